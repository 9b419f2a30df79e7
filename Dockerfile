# syntax=docker/dockerfile:1
# The Assay server image: `docker build -t assay .` then
# `docker run -p 8080:8080 -v assay-data:/var/lib/assay assay` (embedded store), or pass
# ASSAY_DATABASE_URL, ASSAY_WAREHOUSE_URL and ASSAY_KAFKA_BOOTSTRAP_SERVERS for a cluster
# (docs/operations.md, "Deployment"). Runs as an unprivileged user; /health/ready is its health check.

FROM eclipse-temurin:25-jdk AS build
WORKDIR /src
COPY . .
RUN ./mvnw -B -ntp -q -pl assay-cli -am package -DskipTests

FROM eclipse-temurin:25-jre
RUN apt-get update \
 && apt-get install -y --no-install-recommends curl \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /var/lib/assay --shell /usr/sbin/nologin assay \
 && mkdir -p /var/lib/assay /opt/assay \
 && chown 10001 /var/lib/assay
COPY --from=build /src/assay-cli/target/assay.jar /opt/assay/assay.jar
USER 10001
ENV ASSAY_PORT=8080 \
    ASSAY_DATA_DIR=/var/lib/assay \
    JAVA_TOOL_OPTIONS="-XX:MaxRAMPercentage=75"
EXPOSE 8080
VOLUME /var/lib/assay
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 \
  CMD curl -fsS "http://127.0.0.1:${ASSAY_PORT}/health/ready" || exit 1
ENTRYPOINT ["java", "--enable-native-access=ALL-UNNAMED", "-jar", "/opt/assay/assay.jar"]
CMD ["serve"]
