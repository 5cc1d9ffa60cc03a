// main.cpp — runs the kernel tests.
//   metal_kernel_tests                run every test
//   metal_kernel_tests NAME...        run the named tests
//   metal_kernel_tests --coverage     fail unless every kernel function in the library is
//                                     covered by some test (runs nothing)
//   metal_kernel_tests --ctest FILE   write one add_test() per test into FILE (for ctest)
#include "harness.h"

#include "mtlemu_engine.h"

#include <cstdio>
#include <fstream>
#include <map>
#include <set>

namespace {

int coverage() {
    std::set<std::string> declared;
    for (const kt::test_case &t : kt::tests())
        declared.insert(t.kernels.begin(), t.kernels.end());
    int missing = 0;
    for (const mtlemu::kernel_entry *k : mtlemu::all_kernels()) {
        if (!declared.count(k->name)) {
            std::printf("kernel %s (%s) is covered by no test\n", k->name, k->file);
            ++missing;
        }
    }
    for (const std::string &name : declared) {
        if (!mtlemu::find_kernel(name)) {
            std::printf("a test names kernel %s, which no .metal file defines\n", name.c_str());
            ++missing;
        }
    }
    std::printf("%zu kernel functions, %d uncovered\n", mtlemu::all_kernels().size(), missing);
    return missing == 0 ? 0 : 1;
}

// Runs one test; it fails if it throws or if a kernel it claims to cover never launched.
bool run(const kt::test_case &t) {
    std::map<std::string, uint64_t> before;
    for (const mtlemu::kernel_entry *k : mtlemu::all_kernels())
        before[k->name] = k->launches;
    try {
        t.body();
        for (const std::string &name : t.kernels) {
            const mtlemu::kernel_entry *k = mtlemu::find_kernel(name);
            if (k == nullptr || k->launches == before[name]) {
                kt::fail("the test never launched kernel " + name + ", which it claims to cover");
            }
        }
    } catch (const std::exception &e) {
        std::printf("FAIL %s: %s\n", t.name, e.what());
        return false;
    }
    std::printf("ok   %s\n", t.name);
    return true;
}

} // namespace

int main(int argc, char **argv) {
    std::vector<std::string> args(argv + 1, argv + argc);
    if (!args.empty() && args[0] == "--coverage")
        return coverage();
    if (args.size() == 2 && args[0] == "--ctest") {
        std::ofstream out(args[1]);
        for (const kt::test_case &t : kt::tests()) {
            out << "add_test(metal_kernel." << t.name << " \"" << argv[0] << "\" " << t.name
                << ")\n";
        }
        out << "add_test(metal_kernel.coverage \"" << argv[0] << "\" --coverage)\n";
        return out ? 0 : 1;
    }
    int passed = 0, failed = 0;
    for (const kt::test_case &t : kt::tests()) {
        bool selected = args.empty();
        for (const std::string &a : args)
            selected |= a == t.name;
        if (!selected)
            continue;
        (run(t) ? passed : failed)++;
    }
    if (passed + failed == 0) {
        std::printf("no test matched\n");
        return 1;
    }
    std::printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
