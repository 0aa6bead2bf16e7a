// Real ua-profile SUBSCRIBEs, byte for byte as quoted in shared/reference/pnp.md section 1
// (Fanvil's request line is not in the manual and is built like its From; AudioCodes' is as
// printed). Used by the handler tests, the fuzz seeds and the bench.

const crlf = (lines: string[]): Buffer => Buffer.from(lines.join('\r\n') + '\r\n\r\n', 'latin1');

export const SNOM = crlf([
  'SUBSCRIBE sip:MAC%3a00135E874B49@intern.snom.de SIP/2.0',
  'Via: SIP/2.0/UDP 192.168.10.67:5060;rport',
  'From: <sip:MAC%3a00135E874B49@intern.snom.de>;tag=658512961',
  'To: <sip:MAC%3a00135E874B49@intern.snom.de>',
  'Call-ID: 1930770594@192.168.10.67',
  'CSeq: 1 SUBSCRIBE',
  'Event: ua-profile;profile-type="device";vendor="OEM";model="OEM";version="7.1.19"',
  'Expires: 0',
  'Accept: application/url',
  'Contact: <sip:192.168.10.67:5060>',
  'Content-Length: 0',
]);

export const GRANDSTREAM = crlf([
  'SUBSCRIBE sip:MAC%3AC074AD112233@224.0.1.75 SIP/2.0',
  'Via: SIP/2.0/UDP 192.168.1.2:5080;branch=z9hG4bK1611133778;rport',
  'From: <sip:MAC%3AC074AD112233@224.0.1.75>;tag=395400190',
  'To: <sip:MAC%3AC074AD112233@224.0.1.75>',
  'Call-ID: 490431573-5080-1@BJC.BGI.IG.DA',
  'CSeq: 20000 SUBSCRIBE',
  'Contact: <sip:192.168.1.2:5080>',
  'Max-Forwards: 70',
  'User-Agent: Grandstream GRP2612W 1.0.5.67',
  'Expires: 0',
  'Supported: replaces, path',
  'Event: ua-profile;profile-type="device";vendor="Grandstream";model="GRP2612W";version="1.0.5.67"',
  'Accept: application/url',
  'Allow: INVITE, ACK, OPTIONS, CANCEL, BYE, SUBSCRIBE, NOTIFY, INFO, REFER, UPDATE, MESSAGE',
  'Content-Length: 0',
]);

export const YEALINK = crlf([
  'SUBSCRIBE sip:MAC001565f4f9e1@224.0.1.75 SIP/2.0',
  'Via: SIP/2.0/UDP 10.1.3.239:5059;branch=z9hG4bK1536537630',
  'From: <sip:MAC001565f4f9e1@224.0.1.75>;tag=1536537630',
  'To: <sip:MAC001565f4f9e1@224.0.1.75>',
  'Call-ID: 1536537630@10.1.3.239',
  'CSeq: 1 SUBSCRIBE',
  'Contact: <sip:MAC001565f4f9e1@10.1.3.239:5059>',
  'Max-Forwards: 70',
  'User-Agent: Yealink W52P 25.81.0.10',
  'Expires: 0',
  'Event: ua-profile;profile-type="device";vendor="yealink";model="W52P";version="25.81.0.10"',
  'Accept: application/url',
  'Content-Length: 0',
]);

export const FANVIL = crlf([
  'SUBSCRIBE sip:MAC=00304fa99948@224.0.1.75 SIP/2.0',
  'Via: SIP/2.0/UDP 192.168.1.45:5060;branch=z9hG4bK3102710241234624733',
  'From: <sip:MAC=00304fa99948@224.0.1.75>',
  'To: <sip:MAC=00304fa99948@224.0.1.75>',
  'Call-ID: 322432620212850-163241588724467@192.168.1.45',
  'CSeq: 1 SUBSCRIBE',
  'Contact: <sip:192.168.1.45:5060>',
  'Max-Forwards: 70',
  'User-Agent: PLANET VIP-2140PT',
  'Expires: 0',
  'Event:ua-profile;profile-type="device";vendor="PLANET";model="VIP-2140PT";version="2.0.3.2991"',
  'Accept: application/url',
]);

/** As printed in the AudioCodes manual: no Call-ID and no CSeq (the print is abridged). */
export const AUDIOCODES_AS_PRINTED = crlf([
  'SUBSCRIBE sip:224.0.1.75:5060 SIP/2.0',
  'From: <sip:00000001@10.13.2.37:5060>;tag=87a5a8-1',
  'To: <sip:224.0.1.75:5060>',
  'Via: SIP/2.0/UDP 10.13.2.37:5060;rport;branch=z9hG4bK-386d4398-6ad00ca2-7ca3606e',
  'Expires: 0',
  'Event: ua-profile;profile-type="application";model="440HD";version="2.2.2"',
  'Accept: application/url',
  'Contact: <sip:00000001@10.13.2.37:5060>',
  'User-Agent: AUDC-IPPhone/2.2.2',
]);

/** The same with the two mandatory headers (RFC 3261 8.1.1) a real phone sends. */
export const AUDIOCODES = crlf([
  'SUBSCRIBE sip:224.0.1.75:5060 SIP/2.0',
  'From: <sip:00000001@10.13.2.37:5060>;tag=87a5a8-1',
  'To: <sip:224.0.1.75:5060>',
  'Via: SIP/2.0/UDP 10.13.2.37:5060;rport;branch=z9hG4bK-386d4398-6ad00ca2-7ca3606e',
  'Call-ID: 87a5a8-2@10.13.2.37',
  'CSeq: 1 SUBSCRIBE',
  'Expires: 0',
  'Event: ua-profile;profile-type="application";model="440HD";version="2.2.2"',
  'Accept: application/url',
  'Contact: <sip:00000001@10.13.2.37:5060>',
  'User-Agent: AUDC-IPPhone/2.2.2',
]);

/** Source address and port each sample came from (its Via). */
export const SAMPLES = [
  { name: 'snom', bytes: SNOM, source: { address: '192.168.10.67', port: 5060 } },
  { name: 'grandstream', bytes: GRANDSTREAM, source: { address: '192.168.1.2', port: 5080 } },
  { name: 'yealink', bytes: YEALINK, source: { address: '10.1.3.239', port: 5059 } },
  { name: 'fanvil', bytes: FANVIL, source: { address: '192.168.1.45', port: 5060 } },
  { name: 'audiocodes', bytes: AUDIOCODES, source: { address: '10.13.2.37', port: 5060 } },
] as const;
