// "Draw a frame": finger drawing on an 800×450 canvas (a 16:9 storyboard frame), exported as
// a PNG data URL. A drawing over the size cap is refused here, with a message, not sent.
const PAPER = "#f4efe4";
const SIZES = {thin: 4, thick: 14, eraser: 36};

export function pngBytes(dataUrl) {
  const base64 = dataUrl.slice(dataUrl.indexOf(",") + 1);
  const padding = base64.endsWith("==") ? 2 : base64.endsWith("=") ? 1 : 0;
  return Math.floor(base64.length * 3 / 4) - padding;
}

export class FrameCanvas {
  /** `overlay` holds the canvas and its tools; `tooLarge(kb, limitKb)` words the refusal. */
  constructor(overlay, {maxBytes, tooLarge}) {
    this.overlay = overlay;
    this.canvas = overlay.querySelector("[data-draw-canvas]");
    this.context = this.canvas.getContext("2d");
    this.error = overlay.querySelector("[data-draw-error]");
    this.maxBytes = maxBytes;
    this.tooLarge = tooLarge;
    this.strokes = [];
    this.base = null;       // the frame drawn before, as an image under the new strokes
    this.stroke = null;     // the stroke under the finger
    this.finish = null;     // resolves the open() promise
    this.pick(overlay.querySelector("[data-color]"));
    this.pickSize("thin");
    this.listen();
  }

  listen() {
    const canvas = this.canvas;
    canvas.addEventListener("pointerdown", (event) => this.down(event));
    canvas.addEventListener("pointermove", (event) => this.move(event));
    for (const type of ["pointerup", "pointercancel", "lostpointercapture"]) {
      canvas.addEventListener(type, (event) => this.up(event));
    }
    this.overlay.addEventListener("click", (event) => {
      const button = event.target.closest("button");
      if (!button) { return; }
      if (button.dataset.color !== undefined) { this.pick(button); }
      if (button.dataset.size) { this.pickSize(button.dataset.size); }
      if (button.hasAttribute("data-draw-undo")) { this.strokes.pop(); this.redraw(); }
      if (button.hasAttribute("data-draw-wipe")) { this.strokes = []; this.base = null; this.redraw(); }
      if (button.hasAttribute("data-draw-cancel")) { this.close(undefined); }
      if (button.hasAttribute("data-draw-save")) { this.save(); }
    });
  }

  /** Resolves to the PNG data URL, null for an empty frame, or undefined when cancelled. */
  open(image) {
    this.strokes = [];
    this.base = null;
    this.error.textContent = "";
    this.overlay.hidden = false;
    this.redraw();
    if (image) {
      const picture = new Image();
      picture.onload = () => { this.base = picture; this.redraw(); };
      picture.src = image;
    }
    return new Promise((resolve) => { this.finish = resolve; });
  }

  /** Abandon an open drawing (the visitor walked away). */
  dismiss() {
    if (!this.overlay.hidden) { this.close(undefined); }
  }

  close(result) {
    this.overlay.hidden = true;
    this.stroke = null;
    if (this.finish) { this.finish(result); this.finish = null; }
  }

  save() {
    if (!this.strokes.length && !this.base) { this.close(null); return; }
    const dataUrl = this.canvas.toDataURL("image/png");
    const bytes = pngBytes(dataUrl);
    if (bytes > this.maxBytes) {
      this.error.textContent = this.tooLarge(Math.ceil(bytes / 1024), Math.floor(this.maxBytes / 1024));
      return;
    }
    this.close(dataUrl);
  }

  pick(button) {
    for (const swatch of this.overlay.querySelectorAll("[data-color]")) {
      swatch.setAttribute("aria-pressed", String(swatch === button));
    }
    // The swatch's own colour (set in kiosk.css) is the ink.
    this.color = getComputedStyle(button).backgroundColor;
    if (this.size === "eraser") { this.pickSize("thin"); }
  }

  pickSize(size) {
    this.size = size;
    for (const button of this.overlay.querySelectorAll("[data-size]")) {
      button.setAttribute("aria-pressed", String(button.dataset.size === size));
    }
  }

  point(event) {
    const box = this.canvas.getBoundingClientRect();
    return [(event.clientX - box.left) * this.canvas.width / box.width,
            (event.clientY - box.top) * this.canvas.height / box.height];
  }

  down(event) {
    if (this.stroke) { return; }  // one finger draws at a time
    event.preventDefault();
    this.canvas.setPointerCapture(event.pointerId);
    this.stroke = {pointer: event.pointerId, color: this.size === "eraser" ? PAPER : this.color,
                   width: SIZES[this.size], points: [this.point(event)]};
    this.strokes.push(this.stroke);
    this.paint(this.stroke);
  }

  move(event) {
    if (!this.stroke || event.pointerId !== this.stroke.pointer) { return; }
    const points = this.stroke.points;
    points.push(this.point(event));
    this.paint(this.stroke, points.length - 2);
  }

  up(event) {
    if (this.stroke && event.pointerId === this.stroke.pointer) { this.stroke = null; }
  }

  /** Paint a stroke from point `from` on (a new finger move paints only its last segment). */
  paint(stroke, from = 0) {
    const context = this.context;
    const [first, ...rest] = stroke.points.slice(from);
    context.strokeStyle = stroke.color;
    context.fillStyle = stroke.color;
    context.lineWidth = stroke.width;
    context.lineCap = "round";
    context.lineJoin = "round";
    if (!rest.length) {
      context.beginPath();
      context.arc(first[0], first[1], stroke.width / 2, 0, Math.PI * 2);
      context.fill();
      return;
    }
    context.beginPath();
    context.moveTo(...first);
    for (const point of rest) { context.lineTo(...point); }
    context.stroke();
  }

  redraw() {
    const {context, canvas} = this;
    context.fillStyle = PAPER;
    context.fillRect(0, 0, canvas.width, canvas.height);
    if (this.base) { context.drawImage(this.base, 0, 0, canvas.width, canvas.height); }
    for (const stroke of this.strokes) { this.paint(stroke); }
  }
}
