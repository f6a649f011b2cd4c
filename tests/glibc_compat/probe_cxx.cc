// Link-coverage probe: compiled with the host g++/clang++ (libstdc++ 12,
// glibc headers) and linked statically against libstdc++.a, musl and the
// compatibility layer; the link must leave no symbol undefined. Never run.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <functional>
#include <future>
#include <iomanip>
#include <iostream>
#include <locale>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <regex>
#include <semaphore>
#include <set>
#include <shared_mutex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>
thread_local std::string tls = "x";
struct D {
    ~D() { std::cout << "d\n"; }
};
thread_local D td;
int thrower(int x) {
    if (x > 1)
        throw std::runtime_error("boom");
    return x;
}
int main(int argc, char** argv) {
    std::vector<int> v{3, 1, 2};
    std::sort(v.begin(), v.end());
    std::map<std::string, int> m{{"a", 1}};
    std::unordered_map<int, int> um{{1, 2}};
    try {
        thrower(argc + 1);
    } catch (const std::exception& e) {
        std::cout << e.what() << '\n';
    }
    std::mutex mu;
    std::condition_variable cv;
    std::timed_mutex tm;
    std::shared_timed_mutex sm;
    std::unique_lock<std::mutex> lk(mu);
    cv.wait_for(lk, std::chrono::milliseconds(1));
    cv.wait_until(lk, std::chrono::steady_clock::now());
    (void)tm.try_lock_for(std::chrono::milliseconds(1));
    (void)sm.try_lock_for(std::chrono::milliseconds(1));
    (void)sm.try_lock_shared_for(std::chrono::milliseconds(1));
    std::counting_semaphore<4> sem(1);
    (void)sem.try_acquire_for(std::chrono::milliseconds(1));
    std::thread t([&] {
        tls = "y";
        (void)td;
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    });
    t.join();
    auto f = std::async(std::launch::async, [] { return 4; });
    std::cout << f.get();
    std::atomic<int> a{0};
    a++;
    std::random_device rd;
    std::mt19937 g(rd());
    std::regex re("a+");
    std::cout << std::regex_match("aaa", re);
    std::ostringstream os;
    os << std::setw(5) << 3.5 << std::hex << 17;
    std::cout << os.str() << std::endl;
    std::ifstream in("/nonexistent");
    std::string s;
    std::getline(in, s);
    std::cin >> s;
    std::cout << std::filesystem::current_path() << std::endl;
    auto p = std::make_shared<int>(3);
    std::function<int()> fn = [p] { return *p; };
    std::cout << fn() << std::sqrt(argc);
    std::cout << std::chrono::system_clock::now().time_since_epoch().count()
              << std::locale("").name();
    return 0;
}
