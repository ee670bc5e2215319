// tests/xml_check.h: a small XML well-formedness check for the SVG and report tests.
#pragma once
#include <string>
#include <vector>

// "" when s is well-formed: balanced tags, one root element, no raw '<' inside a tag, no stray
// '>', and every '&' starting one of the five predefined entities. Otherwise what is wrong and
// where. (The test "svg: the well-formedness checker itself rejects broken XML" checks it.)
inline std::string xml_problem(const std::string& s) {
    std::vector<std::string> stack;
    int roots = 0;
    for (size_t i = 0; i < s.size(); i++) {
        if (s[i] == '&') {
            bool ok = false;
            for (const char* e : {"&amp;", "&lt;", "&gt;", "&quot;", "&apos;"})
                ok = ok || s.compare(i, std::string(e).size(), e) == 0;
            if (!ok) return "bare & at " + std::to_string(i);
            continue;
        }
        if (s[i] == '>') return "stray > at " + std::to_string(i);
        if (s[i] != '<') continue;
        const size_t close = s.find('>', i);
        if (close == std::string::npos) return "unclosed tag";
        const std::string tag = s.substr(i + 1, close - i - 1);
        i = close;
        if (tag.empty() || tag.find('<') != std::string::npos) return "bad tag <" + tag + ">";
        if (tag[0] == '?') continue;  // <?xml ...?>
        if (tag[0] == '/') {
            if (stack.empty() || stack.back() != tag.substr(1)) return "mismatched </" + tag;
            stack.pop_back();
            continue;
        }
        if (stack.empty()) roots++;
        if (tag.back() != '/') stack.push_back(tag.substr(0, tag.find_first_of(" /")));
    }
    if (!stack.empty()) return "unclosed <" + stack.back() + ">";
    if (roots != 1) return std::to_string(roots) + " root elements";
    return "";
}
