/** User text quoted in a message: at most 60 characters of it (a 1 MB token must not make a 1 MB message). */
export function clip(text: string): string {
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
