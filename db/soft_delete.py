"""The soft-delete rule of each table that editors can delete from: the condition, over the
table's usual alias, that a row must meet to be read at all. A deleted row keeps its data and
id (a tombstone, docs/editing.md) but is left out of every list, lookup and count."""

STATEMENT = "s.deleted_at IS NULL"
INCIDENT = "i.deleted_at IS NULL"
SOURCE = "src.deleted_at IS NULL"
TOPIC = "tp.deleted_at IS NULL"
PERSON = "pe.deleted_at IS NULL"
ORGANIZATION = "o.deleted_at IS NULL"
