// Drawing pass 1: the overview bitmap over exactly the map's root box, fading out as the
// nodes take over when zooming in.

/** Draw `frame.bitmap` (if any) under everything else. */
export function drawBitmap(ctx, frame) {
  const { bitmap, camera, root, selection, W, H } = frame;
  if (!bitmap) return;
  const screenPerBitmapPixel = camera.scale / (bitmap.width / (root[1] - root[0]));
  const t = Math.log2(Math.max(screenPerBitmapPixel, 1e-9) / 1.5) / 2.5;
  const opacity = Math.min(1, Math.max(0.1, 1 - t)) * (selection ? 0.5 : 1);
  ctx.globalAlpha = opacity;
  ctx.imageSmoothingEnabled = true;
  // Only the part of the bitmap on screen: zoomed in, the whole image scaled up is many
  // times the canvas, and a software rasteriser pays for all of it.
  const dx = camera.toScreenX(root[0]), dy = camera.toScreenY(root[2]);
  const dw = (root[1] - root[0]) * camera.scale, dh = (root[3] - root[2]) * camera.scale;
  const x0 = Math.max(0, dx), y0 = Math.max(0, dy);
  const x1 = Math.min(W, dx + dw), y1 = Math.min(H, dy + dh);
  if (x1 > x0 && y1 > y0 && dw > 0 && dh > 0) {
    const kx = bitmap.width / dw, ky = bitmap.height / dh;
    ctx.drawImage(bitmap, (x0 - dx) * kx, (y0 - dy) * ky, (x1 - x0) * kx, (y1 - y0) * ky,
      x0, y0, x1 - x0, y1 - y0);
  }
}
