// Scanning the visitor's ticket QR with the kiosk's camera (jsQR), when it has one.
// Browsers give the camera only on HTTPS or localhost; elsewhere the kiosk offers typing only.
const CODE = /^[A-Za-z0-9_-]{16,64}$/;
const SCAN_WIDTH = 640;

/** The ticket code in a scanned text (the ticket URL …/t/<code>, or the bare code), or null. */
function ticketCode(text) {
  let code = (text || "").trim();
  if (code.includes("/")) {
    let path;
    try { path = new URL(code, location.origin).pathname; } catch (error) { return null; }
    const parts = path.split("/").filter(Boolean);
    code = parts.length === 2 && parts[0] === "t" ? parts[1] : "";
  }
  return CODE.test(code) ? code : null;
}

export function looksLikeTicketCode(text) { return CODE.test(text); }

export async function hasCamera() {
  if (!navigator.mediaDevices?.enumerateDevices || !window.jsQR) { return false; }
  try {
    const devices = await navigator.mediaDevices.enumerateDevices();
    return devices.some((device) => device.kind === "videoinput");
  } catch (error) {
    return false;
  }
}

export class TicketScanner {
  constructor(overlay) {
    this.overlay = overlay;
    this.video = overlay.querySelector("[data-scan-video]");
    this.canvas = document.createElement("canvas");
    this.context = this.canvas.getContext("2d", {willReadFrequently: true});
    this.stream = null;
    this.finish = null;
    overlay.querySelector("[data-scan-cancel]").addEventListener("click", () => this.stop(null));
  }

  /** Resolves to the ticket code read, or null when cancelled or the camera fails. */
  async scan() {
    this.overlay.hidden = false;
    const result = new Promise((resolve) => { this.finish = resolve; });
    try {
      this.stream = await navigator.mediaDevices.getUserMedia({video: {facingMode: "user"}, audio: false});
      this.video.srcObject = this.stream;
      await this.video.play();
      this.look();
    } catch (error) {
      this.stop(null);
    }
    return result;
  }

  look() {
    if (!this.stream) { return; }
    const {video, canvas, context} = this;
    if (video.videoWidth) {
      canvas.width = SCAN_WIDTH;
      canvas.height = Math.round(video.videoHeight * SCAN_WIDTH / video.videoWidth);
      context.drawImage(video, 0, 0, canvas.width, canvas.height);
      const pixels = context.getImageData(0, 0, canvas.width, canvas.height);
      const found = window.jsQR(pixels.data, pixels.width, pixels.height, {inversionAttempts: "dontInvert"});
      const code = found && ticketCode(found.data);
      if (code) { this.stop(code); return; }
    }
    requestAnimationFrame(() => this.look());
  }

  stop(code) {
    if (this.stream) { for (const track of this.stream.getTracks()) { track.stop(); } }
    this.stream = null;
    this.video.srcObject = null;
    this.overlay.hidden = true;
    if (this.finish) { this.finish(code); this.finish = null; }
  }
}
