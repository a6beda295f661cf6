# A static Kontor image: the pure-Go build (no cgo, no C toolchain), run as a
# non-root user with its SQLite database on the /data volume.
#
#   docker build -t kontor .
#   docker run -p 12111:12111 -v kontor-data:/data kontor
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
ARG COMMIT=unknown
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION} -X main.commit=${COMMIT}" -o /out/kontor ./cmd/kontor \
	&& mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/kontor /usr/local/bin/kontor
COPY --from=build --chown=65532:65532 /out/data /data
USER 65532:65532
VOLUME /data
EXPOSE 12111
ENV KONTOR_ADDR=0.0.0.0:12111 KONTOR_DB=/data/kontor.db
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 CMD ["/usr/local/bin/kontor", "health"]
ENTRYPOINT ["/usr/local/bin/kontor"]
CMD ["serve"]
