/** The HTTP server's defaults, apart from the server itself (what `serve --help` and `doctor` name without loading it). */
export const DEFAULT_HTTP_PORT = 8765;
export const DEFAULT_HTTP_HOST = "127.0.0.1";
/** Connections open at once; more are closed as they arrive (each holds a file descriptor). */
export const DEFAULT_MAX_HTTP_CONNECTIONS = 512;
