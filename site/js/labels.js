// Greedy label placement: the biggest titles first, each label tried at a few spots around its
// node and kept only where its box overlaps no label placed before (a uniform grid makes the
// overlap test cheap).

const CELL = 48;
const SPOTS = [
  [1, 0], // right of the node
  [-1, 0], // left
  [0, -1], // above
  [0, 1], // below
];

export class LabelGrid {
  constructor(width, height) {
    this.cols = Math.max(1, Math.ceil(width / CELL));
    this.rows = Math.max(1, Math.ceil(height / CELL));
    this.cells = new Map();
    this.boxes = [];
  }

  _cellsOf(x0, y0, x1, y1, visit) {
    const c0 = Math.max(0, Math.floor(x0 / CELL)), c1 = Math.min(this.cols - 1, Math.floor(x1 / CELL));
    const r0 = Math.max(0, Math.floor(y0 / CELL)), r1 = Math.min(this.rows - 1, Math.floor(y1 / CELL));
    for (let r = r0; r <= r1; r++) {
      for (let c = c0; c <= c1; c++) {
        if (visit(r * this.cols + c) === false) return false;
      }
    }
    return true;
  }

  free(x0, y0, x1, y1) {
    return this._cellsOf(x0, y0, x1, y1, (key) => {
      const list = this.cells.get(key);
      if (!list) return true;
      for (const b of list) {
        if (x0 < b[2] && x1 > b[0] && y0 < b[3] && y1 > b[1]) return false;
      }
      return true;
    });
  }

  add(x0, y0, x1, y1) {
    const box = [x0, y0, x1, y1];
    this.boxes.push(box);
    this._cellsOf(x0, y0, x1, y1, (key) => {
      let list = this.cells.get(key);
      if (!list) this.cells.set(key, (list = []));
      list.push(box);
    });
  }
}

/**
 * Place labels for `candidates` (most important first): each is {x, y, r, width, height} in
 * screen pixels. Returns [{candidate, x, y}] with the text's left/middle anchor. `reserved`
 * boxes (e.g. the selected node's label) are placed first.
 */
export function placeLabels(candidates, width, height, { max, padding }) {
  const grid = new LabelGrid(width, height);
  const placed = [];
  for (const c of candidates) {
    if (placed.length >= max) break;
    const w = c.width, h = c.height, gap = c.r + 3;
    for (const [dx, dy] of SPOTS) {
      let x, y;
      if (dx > 0) [x, y] = [c.x + gap, c.y];
      else if (dx < 0) [x, y] = [c.x - gap - w, c.y];
      else if (dy < 0) [x, y] = [c.x - w / 2, c.y - gap - h / 2];
      else [x, y] = [c.x - w / 2, c.y + gap + h / 2];
      const x0 = x - padding, x1 = x + w + padding, y0 = y - h / 2 - padding, y1 = y + h / 2 + padding;
      if (x0 < 0 || y0 < 0 || x1 > width || y1 > height) continue;
      if (!grid.free(x0, y0, x1, y1)) continue;
      grid.add(x0, y0, x1, y1);
      placed.push({ candidate: c, x, y, box: [x0, y0, x1, y1] });
      break;
    }
  }
  return placed;
}
