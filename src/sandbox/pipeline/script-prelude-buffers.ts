// The part of the prelude (script-prelude.ts) that bounds the buffer memory one preprocess script can take.
//
// Why in the context and not with resourceLimits: a worker's resourceLimits cover its JS heap only, and
// ArrayBuffer backing stores live outside it (calloc'd, so `new ArrayBuffer(8 GiB)` even succeeds lazily and
// costs memory only once touched). So every way the script's realm has to allocate a backing store goes
// through a counter that refuses past MAX_BUFFER_BYTES per job:
// - ArrayBuffer and every typed-array constructor are replaced by counted ones (also as
//   `.prototype.constructor`, so species lookups find them; %TypedArray%.from/of construct through `this`,
//   which can only be a counted constructor or the script's own function);
// - the methods that allocate with the intrinsic constructor whatever the species says (slice, map, filter,
//   toReversed, toSorted, with; ArrayBuffer's slice, resize, transfer) reserve their largest possible result
//   while they run and are charged for what they made; `set` reserves the copy V8 makes of an overlapping source;
// - anything else on those prototypes and constructors is removed (a future allocating method stays out until
//   it is counted here), as are SharedArrayBuffer, Atomics and WebAssembly (its Memory allocates without code
//   generation), and FinalizationRegistry and WeakRef: a cleanup callback would run later in the worker's
//   event loop, outside every time limit.
// Lengths are converted once, before the charge, so a valueOf cannot report one size and allocate another.
// The count is cumulative (freeing nothing back): the worker reports it, and the host retires a worker whose
// job allocated much, so its isolate and every buffer it held are freed at once.
//
// This is source text spliced into the prelude's function: it uses the prelude's captured built-ins (apply,
// defineProperty, TypeErrorCtor…) and its `fail`, and defines `charge`, `newBytes`, `newWords`,
// `allocatedBytes` and `installCountedBuffers`.

export const MAX_BUFFER_BYTES = 256 * 1024 * 1024;
export const BUFFER_LIMIT_MESSAGE = `preprocess script allocated more than ${MAX_BUFFER_BYTES / 1024 / 1024} MB of buffers`;

export const BUFFER_ACCOUNTING_SOURCE = `
  var MAX_BUFFER_BYTES = ${MAX_BUFFER_BYTES};
  var BUFFER_LIMIT_MESSAGE = ${JSON.stringify(BUFFER_LIMIT_MESSAGE)};
  var construct = Reflect.construct;
  var getPrototypeOf = Object.getPrototypeOf;
  var setPrototypeOf = Object.setPrototypeOf;
  var ownKeys = Reflect.ownKeys;
  var getOwnPropertyDescriptor = Object.getOwnPropertyDescriptor;
  var floor = Math.floor;
  var RangeErrorCtor = RangeError;
  var ArrayBufferCtor = ArrayBuffer;
  var TypedArray = getPrototypeOf(Uint8Array);
  var SymbolIterator = Symbol.iterator;
  var SymbolSpecies = Symbol.species;
  var SymbolToStringTag = Symbol.toStringTag;
  var weakSetAdd = WeakSet.prototype.add;
  var weakSetHas = WeakSet.prototype.has;
  var counted = new WeakSet();
  var typedLength = getOwnPropertyDescriptor(TypedArray.prototype, "length").get;
  var typedByteLength = getOwnPropertyDescriptor(TypedArray.prototype, "byteLength").get;
  var bufferByteLength = getOwnPropertyDescriptor(ArrayBufferCtor.prototype, "byteLength").get;
  var allocated = 0;
  var reserved = 0;

  function charge(bytes) {
    if (allocated + reserved + bytes > MAX_BUFFER_BYTES) {
      fail(BUFFER_LIMIT_MESSAGE);
      throw new RangeErrorCtor(BUFFER_LIMIT_MESSAGE);
    }
    allocated += bytes;
  }

  function allocatedBytes() {
    return allocated;
  }

  function newBytes(n) {
    charge(n);
    return new Uint8ArrayCtor(n);
  }

  function newWords(n) {
    charge(n * 4);
    return new Int32ArrayCtor(n);
  }

  // ToIndex, with the one ToNumber (and so the one valueOf) the length gets.
  function toIndex(value) {
    var n = +value;
    if (n !== n) return 0;
    n = n < 0 ? -floor(-n) : floor(n);
    if (n < 0 || n > 9007199254740991) throw new RangeErrorCtor("Invalid array length");
    return n + 0;
  }

  function toLength(value) {
    var n = +value;
    if (n !== n || n <= 0) return 0;
    n = floor(n);
    return n > 9007199254740991 ? 9007199254740991 : n;
  }

  function is(getter, value) {
    try {
      apply(getter, value, []);
      return true;
    } catch (_) {
      return false;
    }
  }

  function remember(value) {
    apply(weakSetAdd, counted, [value]);
    return value;
  }

  // Runs an allocation of at most "bytes" made by a built-in that may use the intrinsic constructor.
  function reserving(bytes, run) {
    charge(bytes);
    allocated -= bytes;
    reserved += bytes;
    try {
      return run();
    } finally {
      reserved -= bytes;
    }
  }

  function chargeUnlessCounted(value, byteLength) {
    if (!apply(weakSetHas, counted, [value])) {
      charge(apply(byteLength, value, []));
      remember(value);
    }
    return value;
  }

  function IterableToList(items, method) {
    if (typeof method !== "function") throw new TypeErrorCtor("object is not iterable");
    var iterator = apply(method, items, []);
    if (iterator === null || typeof iterator !== "object") throw new TypeErrorCtor("iterator is not an object");
    var next = iterator.next;
    var list = setPrototypeOf([], null);
    for (;;) {
      var step = apply(next, iterator, []);
      if (step === null || typeof step !== "object") throw new TypeErrorCtor("iterator result is not an object");
      if (step.done) return list;
      list[list.length] = step.value;
    }
  }

  function keepOnly(target, names) {
    var keys = ownKeys(target);
    for (var i = 0; i < keys.length; i++) {
      var key = keys[i];
      var keep = false;
      for (var j = 0; j < names.length; j++) if (names[j] === key) keep = true;
      if (!keep) delete target[key];
    }
  }

  function builtinLike(fn, name, length, proto) {
    defineProperty(fn, "name", { value: name, configurable: true });
    defineProperty(fn, "length", { value: length, configurable: true });
    defineProperty(fn, "prototype", { value: proto, writable: false, enumerable: false, configurable: false });
    defineProperty(proto, "constructor", { value: fn, writable: true, enumerable: false, configurable: true });
  }

  function wrapMethod(proto, name, wrap) {
    var original = proto[name];
    if (typeof original !== "function") return;
    var counting = wrap(original);
    defineProperty(counting, "name", { value: name, configurable: true });
    defineProperty(counting, "length", { value: original.length, configurable: true });
    defineProperty(proto, name, { value: counting, writable: true, enumerable: false, configurable: true });
  }

  function setGlobal(name, value) {
    delete global[name];
    defineProperty(global, name, { value: value, writable: true, enumerable: false, configurable: true });
  }

  function countedTypedArray(name, Original) {
    var bytesPerElement = Original.BYTES_PER_ELEMENT;
    var Counted = function (first, second, third) {
      if (new.target === undefined) throw new TypeErrorCtor("Constructor " + name + " requires 'new'");
      var target = new.target === Counted ? Original : new.target;
      var made;
      if (first === null || (typeof first !== "object" && typeof first !== "function")) {
        var length = toIndex(first);
        charge(length * bytesPerElement);
        made = construct(Original, [length], target);
      } else if (is(typedLength, first)) {
        charge(apply(typedLength, first, []) * bytesPerElement);
        made = construct(Original, [first], target);
      } else if (is(bufferByteLength, first)) {
        made = construct(Original, [first, second, third], target);
      } else {
        var method = first[SymbolIterator];
        var list = method === undefined || method === null ? first : IterableToList(first, method);
        var count = list === first ? toLength(first.length) : list.length;
        charge(count * bytesPerElement);
        made = construct(Original, [count], target);
        for (var k = 0; k < count; k++) made[k] = list[k];
      }
      return remember(made);
    };
    builtinLike(Counted, name, 3, Original.prototype);
    setPrototypeOf(Counted, TypedArray);
    defineProperty(Counted, "BYTES_PER_ELEMENT", { value: bytesPerElement });
    keepOnly(Original.prototype, ["constructor", "BYTES_PER_ELEMENT"]);
    return Counted;
  }

  function CountedArrayBuffer(length, options) {
    if (new.target === undefined) throw new TypeErrorCtor("Constructor ArrayBuffer requires 'new'");
    var bytes = toIndex(length);
    var max = options !== null && typeof options === "object" ? options.maxByteLength : undefined;
    var args = max === undefined ? [bytes] : [bytes, { maxByteLength: toIndex(max) }];
    charge(bytes);
    return remember(construct(ArrayBufferCtor, args, new.target === CountedArrayBuffer ? ArrayBufferCtor : new.target));
  }

  function installCountedBuffers() {
    var bufferProto = ArrayBufferCtor.prototype;
    builtinLike(CountedArrayBuffer, "ArrayBuffer", 1, bufferProto);
    defineProperty(CountedArrayBuffer, "isView", { value: ArrayBufferCtor.isView, writable: true, configurable: true });
    defineProperty(CountedArrayBuffer, SymbolSpecies, getOwnPropertyDescriptor(ArrayBufferCtor, SymbolSpecies));
    wrapMethod(bufferProto, "slice", function (slice) {
      return function () {
        var self = this;
        var args = arguments;
        var made = reserving(apply(bufferByteLength, self, []), function () { return apply(slice, self, args); });
        return chargeUnlessCounted(made, bufferByteLength);
      };
    });
    wrapMethod(bufferProto, "resize", function (resize) {
      return function (newLength) {
        var before = apply(bufferByteLength, this, []);
        var after = toIndex(newLength);
        if (after > before) charge(after - before);
        return apply(resize, this, [after]);
      };
    });
    var transfer = function (original) {
      return function (newLength) {
        var bytes = newLength === undefined ? apply(bufferByteLength, this, []) : toIndex(newLength);
        charge(bytes);
        return remember(apply(original, this, [bytes]));
      };
    };
    wrapMethod(bufferProto, "transfer", transfer);
    wrapMethod(bufferProto, "transferToFixedLength", transfer);
    keepOnly(bufferProto, ["constructor", "byteLength", "maxByteLength", "resizable", "detached", "slice", "resize",
      "transfer", "transferToFixedLength", SymbolToStringTag]);
    setGlobal("ArrayBuffer", CountedArrayBuffer);

    var typedProto = TypedArray.prototype;
    var sameSize = function (method) {
      return function () {
        var self = this;
        var args = arguments;
        var made = reserving(apply(typedByteLength, self, []), function () { return apply(method, self, args); });
        return chargeUnlessCounted(made, typedByteLength);
      };
    };
    var allocating = ["slice", "map", "filter", "toReversed", "toSorted", "with"];
    for (var i = 0; i < allocating.length; i++) wrapMethod(typedProto, allocating[i], sameSize);
    wrapMethod(typedProto, "set", function (set) {
      return function (source, offset) {
        var copy = is(typedByteLength, source) ? apply(typedByteLength, source, []) : 0;
        var self = this;
        var args = arguments;
        return reserving(copy, function () { return apply(set, self, args); });
      };
    });
    keepOnly(typedProto, ["constructor", "buffer", "byteLength", "byteOffset", "length", "entries", "keys", "values",
      "at", "copyWithin", "every", "fill", "filter", "find", "findIndex", "findLast", "findLastIndex", "forEach",
      "includes", "indexOf", "join", "lastIndexOf", "map", "reverse", "reduce", "reduceRight", "set", "slice", "some",
      "sort", "subarray", "toLocaleString", "toString", "toReversed", "toSorted", "with", SymbolIterator,
      SymbolToStringTag]);
    keepOnly(TypedArray, ["length", "name", "prototype", "of", "from", SymbolSpecies]);

    var names = ownKeys(global);
    for (var n = 0; n < names.length; n++) {
      var name = names[n];
      var value = typeof name === "string" ? getOwnPropertyDescriptor(global, name).value : undefined;
      if (typeof value === "function" && getPrototypeOf(value) === TypedArray) {
        setGlobal(name, countedTypedArray(name, value));
      }
    }
    var removed = ["SharedArrayBuffer", "Atomics", "WebAssembly", "FinalizationRegistry", "WeakRef"];
    for (var r = 0; r < removed.length; r++) delete global[removed[r]];
  }
`;
