// A small live line chart on a <canvas>: a rolling window of samples, one line per named series,
// gaps where a series has no value. Text (legend) lives in the DOM; the canvas only draws.

const PALETTE = ["#1f6feb", "#e8590c", "#2f9e44", "#9c36b5", "#c2255c", "#0c8599", "#f08c00", "#5c7cfa"];

export class LiveChart {
  /**
   * @param canvas   the <canvas> to draw on (sized to its CSS box)
   * @param options  {capacity: samples kept, yMax: fixed top (e.g. 100) or null for auto,
   *                  interval: seconds between samples, format: (value, axis top) → label,
   *                  fill: shade under a single series}
   */
  constructor(canvas, options = {}) {
    this.canvas = canvas;
    this.capacity = options.capacity || 60;
    this.yMax = options.yMax ?? null;
    this.format = options.format || ((v) => String(Math.round(v)));
    this.fill = options.fill ?? false;
    this.interval = options.interval || 2;
    this.samples = [];
    this.colors = new Map();
    this.onResize = () => this.draw();
    window.addEventListener("resize", this.onResize);
  }

  /** Stable colour of a series. */
  color(name) {
    if (!this.colors.has(name)) this.colors.set(name, PALETTE[this.colors.size % PALETTE.length]);
    return this.colors.get(name);
  }

  /** Adds a sample: {seriesName: number|null}. */
  push(values) {
    this.samples.push(values);
    if (this.samples.length > this.capacity) this.samples.shift();
    for (const name of Object.keys(values)) this.color(name);
    this.draw();
  }

  /** Series names seen in the window, in first-seen order. */
  names() {
    const seen = new Set();
    for (const s of this.samples) for (const k of Object.keys(s)) seen.add(k);
    return [...seen];
  }

  dispose() {
    window.removeEventListener("resize", this.onResize);
  }

  draw() {
    const canvas = this.canvas;
    if (!canvas.isConnected) return;
    const ratio = window.devicePixelRatio || 1;
    const width = canvas.clientWidth;
    const height = canvas.clientHeight;
    if (width === 0 || height === 0) return;
    if (canvas.width !== Math.round(width * ratio) || canvas.height !== Math.round(height * ratio)) {
      canvas.width = Math.round(width * ratio);
      canvas.height = Math.round(height * ratio);
    }
    const ctx = canvas.getContext("2d");
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.clearRect(0, 0, width, height);

    const style = getComputedStyle(canvas);
    const grid = style.getPropertyValue("--chart-grid").trim() || "#e5e7eb";
    const label = style.getPropertyValue("--chart-label").trim() || "#6b7280";
    const font = `11px ${style.fontFamily || "sans-serif"}`;

    const names = this.names();
    let top = this.yMax;
    if (top === null) {
      let max = 0;
      for (const s of this.samples) for (const v of Object.values(s)) if (v !== null && v > max) max = v;
      top = niceCeiling(max);
    }

    const pad = { left: 48, right: 10, top: 10, bottom: 20 };
    const plotW = width - pad.left - pad.right;
    const plotH = height - pad.top - pad.bottom;
    const x = (i) => pad.left + (this.capacity <= 1 ? 0 : (i / (this.capacity - 1)) * plotW);
    const y = (v) => pad.top + plotH - (Math.min(v, top) / top) * plotH;

    ctx.font = font;
    ctx.lineWidth = 1;
    ctx.strokeStyle = grid;
    ctx.fillStyle = label;
    ctx.textAlign = "right";
    ctx.textBaseline = "middle";
    for (let step = 0; step <= 4; step += 1) {
      const v = (top * step) / 4;
      const yy = Math.round(y(v)) + 0.5;
      ctx.beginPath();
      ctx.moveTo(pad.left, yy);
      ctx.lineTo(width - pad.right, yy);
      ctx.stroke();
      ctx.fillText(this.format(v, top), pad.left - 6, yy);
    }
    ctx.textAlign = "center";
    ctx.textBaseline = "alphabetic";
    ctx.fillText("now", x(this.capacity - 1) - 10, height - 4);
    ctx.fillText(`−${(this.capacity - 1) * this.interval} s`, x(0) + 16, height - 4);

    if (this.samples.length === 0) {
      ctx.fillText("collecting…", pad.left + plotW / 2, pad.top + plotH / 2);
      return;
    }
    // The newest sample sits at the right edge; older ones to its left.
    const offset = this.capacity - this.samples.length;
    for (const name of names) {
      const color = this.color(name);
      ctx.strokeStyle = color;
      ctx.lineWidth = 2;
      ctx.lineJoin = "round";
      let run = [];
      const flush = () => {
        if (run.length === 0) return;
        ctx.beginPath();
        run.forEach(([xx, yy], i) => (i === 0 ? ctx.moveTo(xx, yy) : ctx.lineTo(xx, yy)));
        if (run.length === 1) ctx.arc(run[0][0], run[0][1], 1.5, 0, Math.PI * 2);
        ctx.stroke();
        if (this.fill && names.length === 1) {
          ctx.lineTo(run[run.length - 1][0], y(0));
          ctx.lineTo(run[0][0], y(0));
          ctx.closePath();
          ctx.globalAlpha = 0.12;
          ctx.fillStyle = color;
          ctx.fill();
          ctx.globalAlpha = 1;
        }
        run = [];
      };
      this.samples.forEach((sample, i) => {
        const v = sample[name];
        if (v === null || v === undefined) flush();
        else run.push([x(offset + i), y(v)]);
      });
      flush();
    }
  }
}

/** 1, 2, 5 × 10^n at or above `v` (at least 1), so axis labels are round. */
function niceCeiling(v) {
  if (v <= 1) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * magnitude >= v) return m * magnitude;
  return 10 * magnitude;
}
