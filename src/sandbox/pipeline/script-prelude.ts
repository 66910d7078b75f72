// JavaScript evaluated inside every preprocess-script context before the user's script. It is source text, not
// host code, on purpose: the context must not hold a single host object (a host function's `.constructor` is the
// host `Function`, which reaches `process`), so the crypto helpers scripts need are written here in plain
// JavaScript and compiled by the context's own realm.
//
// Globals it defines for scripts (writable, so a script may shadow them):
//   hmacSha256(key, message, encoding = "hex")  key/message: string (UTF-8) or Uint8Array; encoding "hex" |
//                                               "base64" | "base64url" | "bytes" (a Uint8Array)
//   sha256(message, encoding = "hex")           same encodings
//   base64Decode(s) -> Uint8Array               standard or URL-safe alphabet, padding optional, whitespace ignored
//   base64Encode(bytesOrString) -> string       standard alphabet with padding
//   utf8Encode(s) -> Uint8Array, utf8Decode(bytes) -> string
//   timingSafeEqual(a, b) -> boolean            two strings (or two Uint8Arrays); constant time for equal lengths
//   console                                     a no-op stand-in, so debugging calls do not throw
// and the runner's own non-writable `__knock` (start/result/describeThrown/allocated), which captures the
// built-ins it uses before user code runs. Buffer memory is counted and bounded per job (script-prelude-buffers.ts);
// the helpers' own buffers are charged to the script like any other.
//
// SHA-256 follows FIPS 180-4 (the round constants and initial hash values below are the standard's); HMAC
// follows RFC 2104. Both are checked against node:crypto in test/sandbox/script.test.ts.

import { BUFFER_ACCOUNTING_SOURCE } from "./script-prelude-buffers.js";

export const PRELUDE_SOURCE = String.raw`
(function (global) {
  "use strict";
  var Uint8ArrayCtor = Uint8Array;
  var Int32ArrayCtor = Int32Array;
  var PromiseCtor = Promise;
  var TypeErrorCtor = TypeError;
  var StringCtor = String;
  var fromCharCode = String.fromCharCode;
  var apply = Reflect.apply;
  var promiseResolve = Promise.resolve;
  var promiseThen = Promise.prototype.then;
  var jsonParse = JSON.parse;
  var jsonStringify = JSON.stringify;
  var isArray = Array.isArray;
  var objectToString = Object.prototype.toString;
  var defineProperty = Object.defineProperty;
  var freeze = Object.freeze;
${BUFFER_ACCOUNTING_SOURCE}

  var K = new Int32ArrayCtor([
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2
  ]);
  var H0 = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];

  // Two passes: the first only measures, so the buffer charged to the script is the exact size.
  function utf8Encode(input) {
    var s = StringCtor(input);
    var n = s.length;
    var size = 0;
    for (var k = 0; k < n; k++) {
      var u = s.charCodeAt(k);
      if (u < 0x80) size += 1;
      else if (u < 0x800) size += 2;
      else if (u >= 0xd800 && u <= 0xdbff && k + 1 < n && s.charCodeAt(k + 1) >= 0xdc00 && s.charCodeAt(k + 1) <= 0xdfff) {
        size += 4;
        k++;
      } else size += 3;
    }
    var out = newBytes(size);
    var p = 0;
    for (var i = 0; i < n; i++) {
      var c = s.charCodeAt(i);
      if (c < 0x80) {
        out[p++] = c;
      } else if (c < 0x800) {
        out[p++] = 0xc0 | (c >> 6);
        out[p++] = 0x80 | (c & 63);
      } else {
        if (c >= 0xd800 && c <= 0xdbff && i + 1 < n) {
          var d = s.charCodeAt(i + 1);
          if (d >= 0xdc00 && d <= 0xdfff) {
            var cp = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
            i++;
            out[p++] = 0xf0 | (cp >> 18);
            out[p++] = 0x80 | ((cp >> 12) & 63);
            out[p++] = 0x80 | ((cp >> 6) & 63);
            out[p++] = 0x80 | (cp & 63);
            continue;
          }
        }
        if (c >= 0xd800 && c <= 0xdfff) c = 0xfffd; // a lone surrogate encodes as U+FFFD, like TextEncoder
        out[p++] = 0xe0 | (c >> 12);
        out[p++] = 0x80 | ((c >> 6) & 63);
        out[p++] = 0x80 | (c & 63);
      }
    }
    return out;
  }

  // WHATWG UTF-8 decoding: an invalid sequence becomes one U+FFFD per maximal subpart, like TextDecoder.
  function utf8Decode(bytes) {
    if (!(bytes instanceof Uint8ArrayCtor)) throw new TypeErrorCtor("utf8Decode: expected a Uint8Array");
    var out = "";
    var n = bytes.length;
    var i = 0;
    while (i < n) {
      var b = bytes[i++];
      var cp, need = 0, lower = 0x80, upper = 0xbf;
      if (b < 0x80) { out += fromCharCode(b); continue; }
      if (b >= 0xc2 && b <= 0xdf) { need = 1; cp = b & 31; }
      else if (b >= 0xe0 && b <= 0xef) { need = 2; cp = b & 15; if (b === 0xe0) lower = 0xa0; if (b === 0xed) upper = 0x9f; }
      else if (b >= 0xf0 && b <= 0xf4) { need = 3; cp = b & 7; if (b === 0xf0) lower = 0x90; if (b === 0xf4) upper = 0x8f; }
      else { out += fromCharCode(0xfffd); continue; }
      var ok = true;
      for (var j = 0; j < need; j++) {
        var c = i < n ? bytes[i] : -1;
        if (c < lower || c > upper) { ok = false; break; }
        lower = 0x80; upper = 0xbf;
        cp = (cp << 6) | (c & 63);
        i++;
      }
      if (!ok) { out += fromCharCode(0xfffd); continue; }
      if (cp >= 0x10000) {
        cp -= 0x10000;
        out += fromCharCode(0xd800 + (cp >> 10), 0xdc00 + (cp & 0x3ff));
      } else {
        out += fromCharCode(cp);
      }
    }
    return out;
  }

  function toBytes(value, what) {
    if (typeof value === "string") return utf8Encode(value);
    if (value instanceof Uint8ArrayCtor) return value;
    throw new TypeErrorCtor(what + " must be a string or a Uint8Array");
  }

  function digest(msg) {
    var len = msg.length;
    var padded = Math.ceil((len + 9) / 64) * 64;
    var buf = newBytes(padded);
    buf.set(msg);
    buf[len] = 0x80;
    var hiBits = Math.floor(len / 0x20000000);
    var loBits = (len * 8) >>> 0;
    buf[padded - 8] = hiBits >>> 24; buf[padded - 7] = hiBits >>> 16; buf[padded - 6] = hiBits >>> 8; buf[padded - 5] = hiBits;
    buf[padded - 4] = loBits >>> 24; buf[padded - 3] = loBits >>> 16; buf[padded - 2] = loBits >>> 8; buf[padded - 1] = loBits;
    var w = newWords(64);
    var h0 = H0[0] | 0, h1 = H0[1] | 0, h2 = H0[2] | 0, h3 = H0[3] | 0;
    var h4 = H0[4] | 0, h5 = H0[5] | 0, h6 = H0[6] | 0, h7 = H0[7] | 0;
    for (var off = 0; off < padded; off += 64) {
      var t;
      for (t = 0; t < 16; t++) {
        var q = off + t * 4;
        w[t] = (buf[q] << 24) | (buf[q + 1] << 16) | (buf[q + 2] << 8) | buf[q + 3];
      }
      for (t = 16; t < 64; t++) {
        var x = w[t - 15], y = w[t - 2];
        var s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
        var s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
        w[t] = (w[t - 16] + s0 + w[t - 7] + s1) | 0;
      }
      var a = h0, b = h1, c = h2, d = h3, e = h4, f = h5, g = h6, h = h7;
      for (t = 0; t < 64; t++) {
        var S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
        var ch = (e & f) ^ (~e & g);
        var t1 = (h + S1 + ch + K[t] + w[t]) | 0;
        var S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
        var maj = (a & b) ^ (a & c) ^ (b & c);
        var t2 = (S0 + maj) | 0;
        h = g; g = f; f = e; e = (d + t1) | 0; d = c; c = b; b = a; a = (t1 + t2) | 0;
      }
      h0 = (h0 + a) | 0; h1 = (h1 + b) | 0; h2 = (h2 + c) | 0; h3 = (h3 + d) | 0;
      h4 = (h4 + e) | 0; h5 = (h5 + f) | 0; h6 = (h6 + g) | 0; h7 = (h7 + h) | 0;
    }
    var words = [h0, h1, h2, h3, h4, h5, h6, h7];
    var out = newBytes(32);
    for (var i = 0; i < 8; i++) {
      out[i * 4] = words[i] >>> 24; out[i * 4 + 1] = words[i] >>> 16; out[i * 4 + 2] = words[i] >>> 8; out[i * 4 + 3] = words[i];
    }
    return out;
  }

  function hmac(key, msg) {
    if (key.length > 64) key = digest(key);
    var inner = newBytes(64 + msg.length);
    var outer = newBytes(64 + 32);
    for (var i = 0; i < 64; i++) {
      var k = i < key.length ? key[i] : 0;
      inner[i] = k ^ 0x36;
      outer[i] = k ^ 0x5c;
    }
    inner.set(msg, 64);
    outer.set(digest(inner), 64);
    return digest(outer);
  }

  var HEX = "0123456789abcdef";
  var B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

  function hexEncode(bytes) {
    var out = "";
    for (var i = 0; i < bytes.length; i++) out += HEX[bytes[i] >> 4] + HEX[bytes[i] & 15];
    return out;
  }

  function base64Encode(input) {
    var bytes = toBytes(input, "base64Encode: input");
    var out = "";
    for (var i = 0; i < bytes.length; i += 3) {
      var rest = bytes.length - i;
      var n = (bytes[i] << 16) | ((rest > 1 ? bytes[i + 1] : 0) << 8) | (rest > 2 ? bytes[i + 2] : 0);
      out += B64[(n >> 18) & 63] + B64[(n >> 12) & 63] + (rest > 1 ? B64[(n >> 6) & 63] : "=") + (rest > 2 ? B64[n & 63] : "=");
    }
    return out;
  }

  function base64Decode(input) {
    if (typeof input !== "string") throw new TypeErrorCtor("base64Decode: expected a string");
    var s = input.replace(/\s+/g, "").replace(/=+$/, "");
    if (s.length % 4 === 1) throw new TypeErrorCtor("base64Decode: invalid base64 length");
    var out = newBytes(Math.floor((s.length * 3) / 4));
    var acc = 0, bits = 0, p = 0;
    for (var i = 0; i < s.length; i++) {
      var c = s[i];
      var v = c === "-" ? 62 : c === "_" ? 63 : B64.indexOf(c);
      if (v < 0) throw new TypeErrorCtor("base64Decode: invalid character " + jsonStringify(c) + " at index " + i);
      acc = (acc << 6) | v;
      bits += 6;
      if (bits >= 8) {
        bits -= 8;
        out[p++] = (acc >> bits) & 0xff;
      }
    }
    return out;
  }

  function encode(bytes, encoding, fn) {
    if (encoding === undefined || encoding === "hex") return hexEncode(bytes);
    if (encoding === "base64") return base64Encode(bytes);
    if (encoding === "base64url") return base64Encode(bytes).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
    if (encoding === "bytes") return bytes;
    throw new TypeErrorCtor(fn + ': encoding must be "hex", "base64", "base64url" or "bytes"');
  }

  function hmacSha256(key, message, encoding) {
    return encode(hmac(toBytes(key, "hmacSha256: key"), toBytes(message, "hmacSha256: message")), encoding, "hmacSha256");
  }

  function sha256(message, encoding) {
    return encode(digest(toBytes(message, "sha256: message")), encoding, "sha256");
  }

  function timingSafeEqual(a, b) {
    var diff = 0, i;
    if (typeof a === "string" && typeof b === "string") {
      if (a.length !== b.length) return false;
      for (i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
      return diff === 0;
    }
    if (a instanceof Uint8ArrayCtor && b instanceof Uint8ArrayCtor) {
      if (a.length !== b.length) return false;
      for (i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
      return diff === 0;
    }
    return false;
  }

  function noop() {}
  var helpers = {
    hmacSha256: hmacSha256,
    sha256: sha256,
    base64Decode: base64Decode,
    base64Encode: base64Encode,
    utf8Encode: utf8Encode,
    utf8Decode: utf8Decode,
    timingSafeEqual: timingSafeEqual,
    console: freeze({ log: noop, info: noop, warn: noop, error: noop, debug: noop, trace: noop })
  };
  for (var name in helpers) {
    defineProperty(global, name, { value: helpers[name], writable: true, configurable: true, enumerable: false });
  }
  installCountedBuffers();

  // ---- the runner's side: everything below runs with the vm timeout armed ----
  var outcome; // "ok:<json>" or "err:<message>", set once
  var started = false;

  function describe(error) {
    try {
      if (error !== null && typeof error === "object" && typeof error.message === "string") {
        var name = error.name;
        return (typeof name === "string" && name !== "" && name !== "Error" ? name + ": " : "") + error.message;
      }
      return StringCtor(error);
    } catch (_) {
      return "(an error that could not be described)";
    }
  }

  function fail(message) {
    if (outcome === undefined) outcome = "err:" + message;
  }

  function kindOf(value) {
    if (value === null) return "null";
    if (value === undefined) return "undefined";
    if (isArray(value)) return "an array";
    return typeof value === "object" ? "a non-plain object" : "a " + typeof value;
  }

  function succeed(value) {
    if (outcome !== undefined) return;
    if (value === null || typeof value !== "object" || isArray(value) || apply(objectToString, value, []) !== "[object Object]") {
      fail("main must return an object like {verified: true}, but it returned " + kindOf(value));
      return;
    }
    var json;
    try {
      json = jsonStringify(value);
    } catch (error) {
      fail("main returned an object that cannot be serialized as JSON: " + describe(error));
      return;
    }
    if (typeof json !== "string") {
      fail("main must return an object like {verified: true}, but it returned a value that serializes to nothing");
      return;
    }
    outcome = "ok:" + json;
  }

  function rejected(error) {
    fail("preprocess script threw: " + describe(error));
  }

  var knock = freeze({
    start: function (entry, missingMessage) {
      if (started) return;
      started = true;
      var input = global.__knockInput;
      delete global.__knockInput;
      if (typeof entry !== "function") {
        fail(missingMessage);
        return;
      }
      try {
        var result = apply(entry, undefined, [jsonParse(input)]);
        apply(promiseThen, apply(promiseResolve, PromiseCtor, [result]), [succeed, rejected]);
      } catch (error) {
        rejected(error);
      }
    },
    result: function () {
      return outcome;
    },
    describeThrown: function () {
      var error = global.__knockThrown;
      delete global.__knockThrown;
      rejected(error);
      return outcome;
    },
    allocated: allocatedBytes
  });
  defineProperty(global, "__knock", { value: knock, writable: false, configurable: false, enumerable: false });
})(globalThis);
`;
