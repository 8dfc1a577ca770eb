# The 142 backend. The bot runs in the official Rasa images (docker-compose.yml).
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY packages/cc142_text packages/cc142_text
COPY contact_center contact_center
COPY webhooks webhooks
COPY agent_console agent_console
# The knowledge base's source documents: a supervisor's edit is checked against them.
COPY chatbot/sources chatbot/sources
RUN pip install --no-cache-dir ./packages/cc142_text .
ENV CC142_HOST=0.0.0.0 CC142_PORT=8080 KB_SOURCES_DIR=/app/chatbot/sources
EXPOSE 8080
CMD ["sh", "-c", "cc142 migrate && cc142 serve"]
