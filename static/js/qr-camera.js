// The phone camera read by jsQR, shared by the gate scanner (/scan) and the vote page (/vote):
// new BacklotQrCamera(video, canvas, onDecoded).start() → a promise; .stop() ends it.
// A page that loads jsQR itself (the scanner) has it at once; one that names it in this
// script's data-jsqr (the vote page: 250 KB most visitors never need) fetches it at the first start.
(function () {
  "use strict";
  var SCAN_WIDTH = 480;
  var JSQR_URL = document.currentScript && document.currentScript.getAttribute("data-jsqr");
  var jsqrLoading = null;

  function loadJsQR() {
    if (typeof window.jsQR === "function") { return Promise.resolve(); }
    jsqrLoading = jsqrLoading || new Promise(function (resolve, reject) {
      var script = document.createElement("script");
      script.src = JSQR_URL;
      script.onload = resolve;
      script.onerror = function () { jsqrLoading = null; reject(new Error("jsQR did not load")); };
      document.head.appendChild(script);
    });
    return jsqrLoading;
  }

  function QrCamera(video, canvas, onDecoded) {
    this.video = video;
    this.canvas = canvas;
    this.context = canvas.getContext("2d", {willReadFrequently: true});
    this.onDecoded = onDecoded;
    this.stream = null;
    this.running = false;
    this.frame = this.frame.bind(this);
  }

  QrCamera.supported = function () {
    return !!(navigator.mediaDevices && navigator.mediaDevices.getUserMedia) &&
      (typeof window.jsQR === "function" || !!JSQR_URL);
  };

  QrCamera.prototype.start = function () {
    var self = this;
    if (!QrCamera.supported()) { return Promise.reject(new Error("no camera")); }
    self.running = true;
    return loadJsQR()
      .then(function () { return navigator.mediaDevices.getUserMedia({video: {facingMode: "environment"}, audio: false}); })
      .then(function (media) {
        self.stream = media;
        if (!self.running) { self.stop(); throw new Error("stopped"); }
        self.video.srcObject = media;
        return self.video.play();
      })
      .then(function () { window.requestAnimationFrame(self.frame); })
      .catch(function (error) { self.running = false; throw error; });
  };

  QrCamera.prototype.frame = function () {
    if (!this.running) { return; }
    var video = this.video;
    if (video.readyState >= 2 && video.videoWidth) {
      var scale = Math.min(1, SCAN_WIDTH / video.videoWidth);
      var width = Math.round(video.videoWidth * scale);
      var height = Math.round(video.videoHeight * scale);
      if (this.canvas.width !== width) { this.canvas.width = width; }
      if (this.canvas.height !== height) { this.canvas.height = height; }
      this.context.drawImage(video, 0, 0, width, height);
      var image = this.context.getImageData(0, 0, width, height);
      var code = window.jsQR(image.data, width, height, {inversionAttempts: "dontInvert"});
      if (code && code.data) { this.onDecoded(code.data); }
    }
    if (this.running) { window.requestAnimationFrame(this.frame); }
  };

  QrCamera.prototype.stop = function () {
    this.running = false;
    if (this.stream) { this.stream.getTracks().forEach(function (track) { track.stop(); }); }
    this.stream = null;
    this.video.srcObject = null;
  };

  window.BacklotQrCamera = QrCamera;
})();
