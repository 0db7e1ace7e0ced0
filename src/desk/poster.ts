// A join-code poster's QR code: the bot's deep link (t.me/<bot>?start=<code>) as SVG.

export async function qrSvg(text: string): Promise<string> {
  // Loaded for the first poster: the service need not carry it until a cadre prints one.
  const { default: QRCode } = await import('qrcode');
  return QRCode.toString(text, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
}
