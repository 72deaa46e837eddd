"""`db.importers.unread`: the paths of a document that an importer does not read."""

import xml.etree.ElementTree as ET

from db.importers.unread import csv_columns, json_paths, xml_paths


def test_json_paths_descend_into_what_is_read_and_count_each_occurrence():
    document = {"a": 1, "b": {"c": 2, "d": 3}, "l": [{"x": 1, "y": 2}, {"x": 1, "y": 3}]}
    found = list(json_paths(document, {"a", "b", "b.c", "l", "l[].x"}))
    assert found == ["b.d", "l[].y", "l[].y"]


def test_json_paths_of_a_list_of_records_are_top_level_and_whole_paths_are_skipped():
    records = [{"id": {"bioguide": "X"}, "extra": 1}, {"id": {"bioguide": "Y", "fec": []}}]
    assert list(json_paths(records, {"id", "id.bioguide"})) == ["extra", "id.fec"]
    assert list(json_paths(records, {"extra"}, whole={"id"})) == []


def test_xml_paths_name_elements_and_attributes():
    root = ET.fromstring('<r k="1" j="2"><a x="1" y="2"><b/><c/></a><d/><!-- note --></r>')
    assert list(xml_paths(root, {"@k", "a", "a@x", "a/b"})) == ["@j", "a@y", "a/c", "d"]
    assert list(xml_paths(root, {"@k", "@j", "d"}, whole={"a"})) == []


def test_xml_paths_drop_namespaces():
    root = ET.fromstring('<r xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:format/></r>')
    assert list(xml_paths(root, set())) == ["format"]


def test_csv_columns_keep_header_order():
    assert csv_columns(["id", "name", "extra", "more"], {"name", "id"}) == ["extra", "more"]
