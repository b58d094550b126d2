# idp for production: see README.md "Deploy for real" and docker-compose.yml.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN groupadd --system --gid 10001 idp \
    && useradd --system --uid 10001 --gid idp --home-dir /app --no-create-home \
        --shell /usr/sbin/nologin idp

WORKDIR /app

# pyproject.toml names README.md as the package's readme: pip needs it to build.
COPY pyproject.toml README.md ./
COPY idp/ idp/
# requests: for the demo portals of examples/ (Authlib's Flask client), not for idp itself.
RUN pip install . "requests>=2.32"

COPY templates/ templates/
COPY static/ static/
COPY clients.yaml ./
COPY examples/ examples/
RUN mkdir -p /app/instance && chown idp:idp /app/instance

# idp finds templates/ and static/ beside its package (idp.config.PROJECT_ROOT): import it
# from /app rather than from site-packages, where `pip install .` put a copy without them.
ENV PYTHONPATH=/app \
    IDP_CLIENTS_FILE=/app/clients.yaml \
    IDP_INSTANCE_PATH=/app/instance

USER idp
EXPOSE 8000

HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]

CMD ["idp", "serve", "--bind", "0.0.0.0:8000"]
