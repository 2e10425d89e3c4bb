# factbot as a container image: the wheel with the Discord, Slack and PostgreSQL extras.
#   docker build -t factbot .
#   docker run --env-file .env factbot run discord      (or: run slack; db upgrade; check "...")
# With SQLite, mount a volume at /data so the database outlives the container; compose.yaml uses PostgreSQL.
FROM python:3.11-slim AS build
WORKDIR /src
COPY . .
RUN pip wheel --no-cache-dir --no-deps -w /wheels .

FROM python:3.11-slim
RUN useradd --create-home --uid 10001 factbot && mkdir /data && chown factbot /data
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir "$(ls /wheels/factbot-*.whl)[discord,slack,postgres]" && rm -rf /wheels
USER factbot
ENV XDG_DATA_HOME=/data PYTHONUNBUFFERED=1
VOLUME /data
EXPOSE 3000
ENTRYPOINT ["factbot"]
CMD ["run", "discord"]
