# brandgate: the Slack app and its outbox dispatcher in one process.
#   docker build -t brandgate .
#   docker run -d --env-file .env -v brandgate-data:/app/var brandgate            # Socket Mode
#   docker run -d --env-file .env -p 3000:3000 -v brandgate-data:/app/var brandgate  # HTTP mode
# Socket Mode when SLACK_APP_TOKEN is set, else HTTP on $PORT (POST /slack/events, GET /healthz).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# An unprivileged user owns only the data volume; the code stays root-owned and read-only to it.
RUN groupadd --system --gid 10001 brandgate \
 && useradd --system --uid 10001 --gid brandgate --home-dir /app --no-create-home \
    --shell /usr/sbin/nologin brandgate

# Dependencies first (cached across code changes), then the project itself.
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY models ./models
RUN pip install --no-compile . \
 && python -c "import bot, models, slack_bolt, waitress, spacy"

COPY brand_guidelines ./brand_guidelines
RUN mkdir -p /app/var && chown brandgate:brandgate /app/var

ENV DATABASE_URL=sqlite:////app/var/brandgate.db \
    BRAND_GUIDELINES_DIR=/app/brand_guidelines \
    PORT=3000

# The SQLite default lives here; mount a volume so drafts and the audit log survive restarts.
VOLUME ["/app/var"]
USER brandgate
EXPOSE 3000

# HTTP mode: /healthz answers 200 only while the database answers and the dispatcher runs.
# Socket Mode has no HTTP endpoint, so the check only asserts the process is up.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD python -c "import os,sys,urllib.request as u; os.environ.get('SLACK_APP_TOKEN') and sys.exit(0); u.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '3000'), timeout=4)"

CMD ["brandgate", "serve"]
