FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    REDRESS_HOST=0.0.0.0 \
    REDRESS_PORT=8000 \
    REDRESS_DATA_DIR=/app/data

WORKDIR /app
COPY pyproject.toml README.md ./
COPY api ./api
COPY schema ./schema
COPY loaders ./loaders
COPY db ./db
RUN pip install --no-cache-dir .
COPY data ./data

RUN useradd --create-home redress
USER redress
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --retries=5 \
  CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/readyz', timeout=2)"
CMD ["redress", "serve", "--prepare"]
