// llamacpp-chat renders conversations with llama.cpp's own chat template code
// (common_chat_templates_init / common_chat_templates_apply from common/chat.h),
// linked against the prebuilt libraries node-llama-cpp ships. It is the oracle
// for the golden renderings in golden/*.json; golden-llamacpp-chat.mjs drives
// it. See README.md.
//
// Input on stdin, every field a decimal byte length, a newline, then the bytes:
//   template, bos_token, eos_token, use_jinja (0/1), add_generation_prompt (0/1),
//   enable_thinking (0/1), message count, then role and content per message.
// Output on stdout: "ok\n" or "error\n", then the same length-prefixed field:
// the rendered prompt or the error text.
//
// std::time is replaced so that strftime_now (SmolLM3's "Today Date") renders a
// fixed day: HEED_FIXED_TIME holds the Unix time to report.
#include "chat.h"

#include <cstdlib>
#include <ctime>
#include <iostream>
#include <string>

extern "C" time_t time(time_t * out) {
    const char * s = std::getenv("HEED_FIXED_TIME");
    time_t t = s ? (time_t) std::strtoll(s, nullptr, 10) : 0;
    if (out) {
        *out = t;
    }
    return t;
}

static std::string field(std::istream & in) {
    std::string len;
    if (!std::getline(in, len)) {
        throw std::runtime_error("truncated input");
    }
    std::string s(std::stoul(len), '\0');
    in.read(s.data(), (std::streamsize) s.size());
    return s;
}

static void put(const char * status, const std::string & s) {
    std::cout << status << "\n" << s.size() << "\n" << s;
}

int main() {
    try {
        std::string tmpl = field(std::cin);
        std::string bos  = field(std::cin);
        std::string eos  = field(std::cin);
        common_chat_templates_inputs inputs;
        inputs.use_jinja             = field(std::cin) == "1";
        inputs.add_generation_prompt = field(std::cin) == "1";
        inputs.enable_thinking       = field(std::cin) == "1";
        size_t n = std::stoul(field(std::cin));
        for (size_t i = 0; i < n; i++) {
            common_chat_msg msg;
            msg.role    = field(std::cin);
            msg.content = field(std::cin);
            inputs.messages.push_back(msg);
        }
        auto tmpls = common_chat_templates_init(/* model */ nullptr, tmpl, bos, eos);
        put("ok", common_chat_templates_apply(tmpls.get(), inputs).prompt);
    } catch (const std::exception & e) {
        put("error", e.what());
    }
    return 0;
}
