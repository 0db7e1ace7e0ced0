// A join-code poster's QR code: the bot's deep link (t.me/<bot>?start=<code>) as SVG.
import QRCode from 'qrcode';

export async function qrSvg(text: string): Promise<string> {
  return QRCode.toString(text, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
}
