FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY booking booking
COPY telemetry telemetry
COPY devices devices
COPY migrations migrations
RUN pip install --no-cache-dir -e .
ENV PYTHONUNBUFFERED=1
EXPOSE 8000
CMD ["labshare", "web"]
