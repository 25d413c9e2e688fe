/** Search limits, shared by the tool schema, the CLI and the search itself. */
export const DEFAULT_SEARCH_LIMIT = 5;
export const MAX_SEARCH_LIMIT = 100;
/**
 * Longest search query, in characters: a query is a few words. Searching costs main-thread
 * time in proportion to the query (a 424 KB one took 1.6 s), so longer ones are refused.
 */
export const MAX_SEARCH_QUERY_CHARS = 500;
