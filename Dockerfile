# brandgate: the Slack app and its outbox dispatcher in one process.
#   docker build -t brandgate .
#   docker run -d --env-file .env -v brandgate-data:/app/var \
#     -v "$PWD/brand_guidelines:/app/brand_guidelines:ro" brandgate                  # Socket Mode
#   (add -p 3000:3000 for HTTP mode)
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

# Dependencies first, in a layer of their own, from pyproject.toml alone: a code change never
# reinstalls them (spaCy and its lookup tables are most of the image and of the build time).
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" > /tmp/requirements.txt \
 && pip install --no-compile -r /tmp/requirements.txt \
 && rm /tmp/requirements.txt

# Then the project itself, on top, without touching the dependencies.
COPY README.md ./
COPY bot ./bot
COPY models ./models
RUN pip install --no-compile --no-deps . \
 && python -c "import bot, models, slack_bolt, waitress, spacy"

# No brand is shipped live: the example brands have made-up approvers. They come along as a
# format reference only, outside BRAND_GUIDELINES_DIR; mount your own guideline files there
# (-v "$PWD/brand_guidelines:/app/brand_guidelines:ro").
COPY brand_guidelines/README.md ./brand_guidelines/README.md
COPY brand_guidelines/*.yml ./examples/brand_guidelines/
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
