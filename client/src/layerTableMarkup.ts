/**
 * The layer-table component's markup: the summary line, the problems not on a layer's line, and
 * the table whose rows media/src/layerTableDom.ts draws and folds. One copy, used by the
 * layer-table panel and the training view; its styles are media/layerTable.css on media/page.css.
 * The ids are what the script and the end-to-end tests look for. The table scrolls inside its own
 * box (.layer-table-scroll), so that its header row and first column can stay in place.
 */
export function layerTableMarkup(): string {
  return `<p id="summary"></p>
    <ul id="problems"></ul>
    <div class="scroll layer-table-scroll">
      <table class="layer-table" role="treegrid" aria-label="Layers">
        <thead id="head"></thead>
        <tbody id="body"></tbody>
        <tfoot id="foot"></tfoot>
      </table>
    </div>`;
}

