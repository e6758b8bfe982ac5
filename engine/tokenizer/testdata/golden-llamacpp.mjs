// Writes golden/stories260K.json: the token ids llama.cpp gives the texts in
// strings.json (plus special-token texts) with the SentencePiece vocabulary of
// the default model, read through node-llama-cpp.
//
// Usage (see README.md):
//   node golden-llamacpp.mjs <node-llama-cpp install dir> <stories260K.gguf> <out.json>
//
// model.tokenize(text, specialTokens) calls llama.cpp's
// common_tokenize(vocab, text, add_special=false, parse_special=specialTokens):
// no BOS is added, and specialTokens decides whether "<s>"-style text becomes
// control tokens.
import { readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const [installDir, modelPath, outPath] = process.argv.slice(2);
if (!installDir || !modelPath || !outPath) {
  console.error("usage: node golden-llamacpp.mjs <node-llama-cpp install dir> <model.gguf> <out.json>");
  process.exit(2);
}
const require = createRequire(join(installDir, "package.json"));
const { getLlama } = await import(pathToFileURL(require.resolve("node-llama-cpp")).href);
const version = JSON.parse(readFileSync(join(installDir, "node_modules/node-llama-cpp/package.json"), "utf8")).version;

const here = new URL(".", import.meta.url);
const { strings } = JSON.parse(readFileSync(new URL("strings.json", here), "utf8"));
const specials = ["special <s> and </s> in text", "<unk>x</s>", "<s> starts"];

const llama = await getLlama({ gpu: false, build: "never", logLevel: "error" });
const model = await llama.loadModel({ modelPath });
const cases = [];
for (const text of [...strings, ...specials]) {
  for (const parseSpecial of [false, true]) {
    cases.push({ text, addSpecial: false, parseSpecial, ids: Array.from(model.tokenize(text, parseSpecial)) });
  }
}
const release = llama.llamaCppRelease ?? {};
writeFileSync(outPath, JSON.stringify({
  source: `llama.cpp ${release.repo ?? ""} ${release.release ?? "(release unknown)"} via node-llama-cpp ${version}, model.tokenize(text, parseSpecial)`,
  cases,
}, null, 1) + "\n");
await model.dispose();
await llama.dispose();
