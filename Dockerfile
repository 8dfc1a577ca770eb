# The 142 backend. The bot runs in the official Rasa images (docker-compose.yml).
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY packages/cc142_text packages/cc142_text
COPY contact_center contact_center
COPY webhooks webhooks
COPY agent_console agent_console
RUN pip install --no-cache-dir ./packages/cc142_text .
ENV CC142_HOST=0.0.0.0 CC142_PORT=8080
EXPOSE 8080
CMD ["sh", "-c", "cc142 migrate && cc142 serve"]
