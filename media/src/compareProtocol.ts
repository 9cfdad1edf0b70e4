/**
 * Messages between "CNN: Compare with…" (client/src/compareWith.ts) and its page (compare.ts).
 * The page asks for the content once its script runs; the host answers with the newest and sends
 * each later one, so an edit replaces the content in place and the reader keeps their place.
 */
export type CompareWebviewMessage = { type: 'ready' };

/** `html`: the content of the page's <main>, made and escaped by client/src/compareHtml.ts. */
export type CompareHostMessage = { type: 'content'; html: string };
