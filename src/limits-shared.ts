/** Search result counts, shared by the tool schema, the CLI and the search itself. */
export const DEFAULT_SEARCH_LIMIT = 5;
export const MAX_SEARCH_LIMIT = 100;
