// mtlemu_gen.cpp — turns one .metal file into a C++ file the emulator can run.
//
//   mtlemu_gen <in.metal> <out.cpp>
//
// The output wraps the unchanged kernel source in its own namespace (so helpers and function
// constants of different files do not collide), keeps its line numbers with #line (so compile
// errors point into the .metal file), and adds for every `kernel void name(...)` a thunk that
// calls it with the bound buffers, threadgroup memory and thread attributes, plus a registry
// entry naming its parameters and the file's function constants.
//
// MSL attribute arguments cannot be macros, so `[[threadgroup(n)]]` is the one spelling
// rewritten (the shim defines `threadgroup` away). Kernel-scope threadgroup arrays are refused:
// threadgroup memory must arrive as [[threadgroup(n)]] parameters sized by the host.
#include <cstdio>
#include <fstream>
#include <iostream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

namespace {

struct param {
    std::string type, name, attribute;
    int index = -1;
};
struct kernel {
    std::string name;
    std::vector<param> params;
};
struct constant {
    std::string type, name;
    std::string index; // a number or a macro of the included headers
};

const char *const thread_attributes[] = {
    "thread_position_in_grid",        "thread_position_in_threadgroup",
    "threadgroup_position_in_grid",   "threads_per_threadgroup",
    "threadgroups_per_grid",          "threads_per_grid",
    "thread_index_in_threadgroup",    "thread_index_in_simdgroup",
    "simdgroup_index_in_threadgroup", "threads_per_simdgroup",
    "simdgroups_per_threadgroup"};

[[noreturn]] void fail(const std::string &file, const std::string &message) {
    std::cerr << file << ": error: " << message << "\n";
    std::exit(1);
}

// The source with comments blanked out (newlines kept), for parsing.
std::string strip_comments(const std::string &s) {
    std::string out = s;
    for (size_t i = 0; i + 1 < out.size(); ++i) {
        if (out[i] == '/' && out[i + 1] == '/') {
            while (i < out.size() && out[i] != '\n')
                out[i++] = ' ';
        } else if (out[i] == '/' && out[i + 1] == '*') {
            size_t end = out.find("*/", i + 2);
            end = end == std::string::npos ? out.size() : end + 2;
            for (; i < end; ++i)
                if (out[i] != '\n')
                    out[i] = ' ';
        }
    }
    return out;
}

std::string trim(const std::string &s) {
    size_t b = s.find_first_not_of(" \t\r\n"), e = s.find_last_not_of(" \t\r\n");
    return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

// Splits a parameter list at commas outside (), <> and [[ ]].
std::vector<std::string> split_params(const std::string &list) {
    std::vector<std::string> out;
    int depth = 0;
    std::string cur;
    for (char c : list) {
        if (c == '(' || c == '<' || c == '[')
            ++depth;
        if (c == ')' || c == '>' || c == ']')
            --depth;
        if (c == ',' && depth == 0) {
            out.push_back(trim(cur));
            cur.clear();
        } else {
            cur += c;
        }
    }
    if (!trim(cur).empty())
        out.push_back(trim(cur));
    return out;
}

bool is_thread_attribute(const std::string &a) {
    for (const char *t : thread_attributes)
        if (a == t)
            return true;
    return false;
}

std::vector<kernel> parse_kernels(const std::string &file, const std::string &src) {
    std::vector<kernel> kernels;
    std::regex head(R"(\bkernel\s+void\s+([A-Za-z_]\w*)\s*\()");
    for (auto it = std::sregex_iterator(src.begin(), src.end(), head); it != std::sregex_iterator();
         ++it) {
        kernel k;
        k.name = (*it)[1];
        size_t open = it->position(0) + it->length(0), i = open;
        for (int depth = 1; i < src.size() && depth > 0; ++i) {
            depth += src[i] == '(';
            depth -= src[i] == ')';
        }
        std::regex p(
            R"(^([\s\S]*?[\s*&])([A-Za-z_]\w*)\s*\[\[\s*(\w+)\s*(?:\(\s*(\d+)\s*\))?\s*\]\]$)");
        for (const std::string &text : split_params(src.substr(open, i - 1 - open))) {
            std::smatch m;
            if (!std::regex_match(text, m, p)) {
                fail(file, "kernel " + k.name + ": cannot read parameter '" + text +
                               "' (expected: type name [[attribute]])");
            }
            param q{trim(m[1]), m[2], m[3], m[4].matched ? std::stoi(m[4]) : -1};
            bool bound = q.attribute == "buffer" || q.attribute == "threadgroup";
            if ((bound && q.index < 0) || (!bound && !is_thread_attribute(q.attribute))) {
                fail(file, "kernel " + k.name + ": unsupported attribute [[" + q.attribute +
                               "]] on " + q.name);
            }
            k.params.push_back(q);
        }
        kernels.push_back(k);
    }
    return kernels;
}

std::vector<constant> parse_constants(const std::string &file, const std::string &src) {
    std::vector<constant> out;
    std::regex fc(
        R"(\bconstant\s+(\w+)\s+([A-Za-z_]\w*)\s*\[\[\s*function_constant\s*\(\s*(\w+)\s*\)\s*\]\])");
    for (auto it = std::sregex_iterator(src.begin(), src.end(), fc); it != std::sregex_iterator();
         ++it) {
        out.push_back({(*it)[1], (*it)[2], (*it)[3]});
    }
    // A function constant the pattern missed would silently stay zero in the emulator.
    size_t declared = 0;
    for (size_t at = src.find("function_constant"); at != std::string::npos;
         at = src.find("function_constant", at + 1)) {
        ++declared;
    }
    if (declared != out.size()) {
        fail(file, "a function constant is not declared as `constant TYPE NAME "
                   "[[function_constant(INDEX)]];`");
    }
    return out;
}

void refuse_threadgroup_arrays(const std::string &file, const std::string &src) {
    std::regex array(R"(\bthreadgroup\s+[\w:<>, ]+?\s+[A-Za-z_]\w*\s*\[(?!\[))");
    std::smatch m;
    if (std::regex_search(src, m, array)) {
        fail(file, "'" + m.str(0) +
                       "...': declare threadgroup memory as a [[threadgroup(n)]] kernel "
                       "parameter whose length the host sets");
    }
}

std::string argument(const param &p) {
    if (p.attribute == "buffer") {
        if (!p.type.empty() && p.type.back() == '&') {
            return "*(" + p.type.substr(0, p.type.size() - 1) + " *)mtlemu::bound_buffer(" +
                   std::to_string(p.index) + ")";
        }
        return "(" + p.type + ")mtlemu::bound_buffer(" + std::to_string(p.index) + ")";
    }
    if (p.attribute == "threadgroup") {
        return "(" + p.type + ")mtlemu::bound_threadgroup_memory(" + std::to_string(p.index) + ")";
    }
    return "mtlemu::attribute_as<" + p.type + ">(mtlemu::A_" + p.attribute + ")";
}

} // namespace

int main(int argc, char **argv) {
    if (argc != 3) {
        std::cerr << "usage: mtlemu_gen <in.metal> <out.cpp>\n";
        return 2;
    }
    std::string path = argv[1];
    std::ifstream in(path);
    if (!in)
        fail(path, "cannot read");
    std::stringstream buf;
    buf << in.rdbuf();
    std::string source = buf.str();
    std::string parsed = strip_comments(source);

    refuse_threadgroup_arrays(path, parsed);
    std::vector<kernel> kernels = parse_kernels(path, parsed);
    std::vector<constant> constants = parse_constants(path, parsed);
    std::string body = std::regex_replace(source, std::regex(R"(\[\[\s*threadgroup\s*\()"),
                                          "[[mtlemu_threadgroup(");
    std::string stem = path.substr(path.find_last_of('/') + 1);
    stem = stem.substr(0, stem.find('.'));

    std::ostringstream out;
    out << "// Generated by mtlemu_gen from " << path << ": do not edit.\n"
        << "#include <metal_stdlib>\n#include \"mtlemu_thunk.h\"\n"
        << "namespace mtlemu_file_" << stem << " {\n#line 1 \"" << path << "\"\n"
        << body << "\n#line 1 \"mtlemu_gen:" << stem << "\"\n";
    out << "static void set_constants(const mtlemu::constant_values &values) {\n"
        << "    (void)values;\n";
    for (const constant &c : constants) {
        out << "    " << c.name << " = mtlemu::constant_as<" << c.type << ">(values, " << c.index
            << ", \"" << c.name << "\");\n";
    }
    out << "}\n";
    for (const kernel &k : kernels) {
        out << "static void thunk_" << k.name << "() {\n    " << k.name << "(";
        for (size_t i = 0; i < k.params.size(); ++i) {
            out << (i ? ",\n        " : "") << argument(k.params[i]);
        }
        out << ");\n}\n";
        out << "static mtlemu::kernel_entry entry_" << k.name << "{\"" << k.name << "\", \"" << path
            << "\", &thunk_" << k.name << ", &set_constants,\n    {";
        for (const param &p : k.params) {
            const char *kind = p.attribute == "buffer"        ? "BUFFER"
                               : p.attribute == "threadgroup" ? "THREADGROUP"
                                                              : "ATTRIBUTE";
            std::string index = p.index >= 0 ? std::to_string(p.index) : "mtlemu::A_" + p.attribute;
            out << "{mtlemu::kernel_param::" << kind << ", " << index << ", \"" << p.name
                << "\"}, ";
        }
        out << "},\n    {";
        for (const constant &c : constants)
            out << "{" << c.index << ", \"" << c.name << "\"}, ";
        out << "}};\nstatic mtlemu::registrar register_" << k.name << "(&entry_" << k.name
            << ");\n";
    }
    out << "} // namespace mtlemu_file_" << stem << "\n";
    if (kernels.empty())
        fail(path, "no kernel functions");

    std::ofstream file(argv[2]);
    file << out.str();
    if (!file)
        fail(argv[2], "cannot write");
    return 0;
}
