// A story's words fit their box (a feed card's body, the spotlight), never cut mid-line. The type
// steps down until they fit (data-fit, sized in display.css, each size with a floor still read
// across the hall). A story too long even then keeps each beat to as many whole lines as fit, the
// last ending in an ellipsis (data-clamp), and a card drops the beats that do not fit at one line.
const STEPS = 8;                     // data-fit="0" (as designed) … "7"
const CLAMPS = [5, 4, 3, 2, 1];      // lines a beat keeps, tried in turn at the smallest type

/** Whether the box's last child ends below its content box. Layout offsets, so entrance
    animations (transforms) do not count; the box is positioned, the children's offsetParent. */
function overflows(box) {
  const last = box.lastElementChild;
  if (!last) return false;
  const bottom = box.clientHeight - parseFloat(getComputedStyle(box).paddingBottom);
  return last.offsetTop + last.offsetHeight > bottom + 1;  // 1 px of rounding
}

function fit(box) {
  const beats = [...box.querySelectorAll(".card__beat")];
  beats.forEach((beat) => { beat.hidden = false; });
  delete box.dataset.clamp;
  for (let step = 0; step < STEPS; step += 1) {
    box.dataset.fit = String(step);
    if (!overflows(box)) return;
  }
  for (const lines of CLAMPS) {
    box.dataset.clamp = String(lines);
    if (!overflows(box)) return;
  }
  for (let index = beats.length - 1; index > 0 && overflows(box); index -= 1) beats[index].hidden = true;
}

/** Fit every box (an element with data-fit) under `root`. */
export function fitAll(root) {
  root.querySelectorAll("[data-fit]").forEach(fit);
}

/** Fit the boxes under each container now and whenever its size changes (the header band
    sliding in or out, another screen size) or the fonts have loaded. */
export function keepFitted(...containers) {
  const watcher = new ResizeObserver((entries) => entries.forEach((entry) => fitAll(entry.target)));
  containers.forEach((container) => watcher.observe(container));
  document.fonts.ready.then(() => containers.forEach(fitAll));
}
