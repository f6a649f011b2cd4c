// glibc-compat C++ test: compiled once with the host g++ (libstdc++ 12,
// glibc headers), linked against glibc and against musl + the host
// libstdc++.a/libgcc_eh.a + libunikraft's compatibility layer; both runs must
// print the same and exit 0.
//
// Exercises what libstdc++ and libgcc_eh need from glibc: exceptions thrown
// and caught across functions (the unwinder's _dl_find_object),
// thread_local destructors (__cxa_thread_atexit_impl) in threads and at exit,
// timed waits (pthread_cond_clockwait, pthread_mutex_clocklock,
// pthread_rwlock_clock*), __libc_single_threaded, iostream, containers.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <exception>
#include <future>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include <sys/single_threaded.h>

namespace {

struct Noisy {
    std::string name;
    explicit Noisy(std::string n) : name(std::move(n)) {}
    ~Noisy() {
        std::printf("~Noisy %s\n", name.c_str());
        std::fflush(stdout);
    }
};

// Constructed before main: its destructor runs after main's thread_local
// ones, as with glibc.
Noisy g_static("static");

struct TlsProbe {
    int id = 0;
    ~TlsProbe() {
        std::printf("thread_local destructor id=%d\n", id);
        std::fflush(stdout);
    }
};
thread_local TlsProbe t_probe;
thread_local std::string t_name = "unset";

struct ParseError : std::runtime_error {
    int line;
    ParseError(const std::string& what, int l) : std::runtime_error(what), line(l) {}
};

__attribute__((noinline)) int level3(int x) {
    Noisy guard("level3 guard");
    if (x > 2)
        throw ParseError("bad token", x);
    return x;
}

__attribute__((noinline)) int level2(int x) {
    std::vector<int> v(16, x);
    return level3(x + 1) + v[3];
}

__attribute__((noinline)) int level1(int x) {
    try {
        return level2(x + 1);
    } catch (const std::logic_error&) {
        return -1; // Not this one.
    }
}

void exceptions() {
    try {
        level1(1);
        std::cout << "no exception" << std::endl;
    } catch (const std::runtime_error& e) {
        const auto* pe = dynamic_cast<const ParseError*>(&e);
        std::cout << "caught: " << e.what() << " line " << (pe ? pe->line : -1) << std::endl;
    }
    try {
        try {
            throw std::out_of_range("inner");
        } catch (...) {
            std::cout << "rethrowing" << std::endl;
            throw;
        }
    } catch (const std::exception& e) {
        std::cout << "caught again: " << e.what() << std::endl;
    }
    std::exception_ptr ep;
    try {
        std::vector<int>().at(5);
    } catch (...) {
        ep = std::current_exception();
    }
    try {
        std::rethrow_exception(ep);
    } catch (const std::out_of_range&) {
        std::cout << "exception_ptr rethrown" << std::endl;
    }
    auto fut = std::async(std::launch::async, [] {
        throw std::invalid_argument("from a thread");
        return 0;
    });
    try {
        fut.get();
    } catch (const std::invalid_argument& e) {
        std::cout << "caught across threads: " << e.what() << std::endl;
    }
}

void containers() {
    std::vector<std::string> words{"pear", "apple", "fig", "banana"};
    std::sort(words.begin(), words.end());
    std::map<std::string, int> lengths;
    for (const auto& w : words)
        lengths[w] = static_cast<int>(w.size());
    std::unordered_map<int, std::string> by_len;
    for (const auto& [w, n] : lengths)
        by_len[n] = w;
    std::ostringstream os;
    for (const auto& w : words)
        os << w << ' ';
    os << "| " << lengths["banana"] << ' ' << by_len[3] << ' ' << std::hex << 255 << std::dec << ' '
       << 1.5;
    std::cout << os.str() << std::endl;
    auto shared = std::make_shared<std::string>("shared");
    std::weak_ptr<std::string> weak = shared;
    std::cout << *weak.lock() << " use_count=" << shared.use_count() << std::endl;
}

void threads() {
    std::atomic<int> counter{0};
    std::mutex m;
    long total = 0;
    std::vector<std::thread> pool;
    for (int i = 1; i <= 4; i++) {
        pool.emplace_back([&, i] {
            t_probe.id = i;
            t_name = "worker";
            for (int k = 0; k < 1000; k++) {
                counter.fetch_add(1, std::memory_order_relaxed);
                std::lock_guard<std::mutex> lock(m);
                total += i;
            }
        });
        // One at a time, so the destructors print in a fixed order.
        pool.back().join();
    }
    std::cout << "single_threaded after=" << int(__libc_single_threaded) << std::endl;
    std::cout << "counter=" << counter << " total=" << total << " main t_name=" << t_name
              << std::endl;

    std::condition_variable cv;
    std::unique_lock<std::mutex> lock(m);
    auto t0 = std::chrono::steady_clock::now();
    bool woke = cv.wait_for(lock, std::chrono::milliseconds(30), [] { return false; });
    auto waited = std::chrono::steady_clock::now() - t0;
    std::cout << "wait_for timed out: " << !woke
              << " waited>=25ms: " << (waited >= std::chrono::milliseconds(25)) << std::endl;
    lock.unlock();

    bool ready = false;
    std::thread notifier([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
        std::lock_guard<std::mutex> g(m);
        ready = true;
        cv.notify_one();
    });
    lock.lock();
    bool got = cv.wait_until(lock, std::chrono::steady_clock::now() + std::chrono::seconds(5),
                             [&] { return ready; });
    lock.unlock();
    notifier.join();
    std::cout << "wait_until notified: " << got << std::endl;

    std::timed_mutex tm;
    tm.lock();
    std::thread locker([&] {
        bool l = tm.try_lock_for(std::chrono::milliseconds(20));
        std::printf("try_lock_for while held: %d\n", l);
    });
    locker.join();
    tm.unlock();

    std::shared_timed_mutex sm;
    sm.lock();
    std::thread reader([&] {
        bool l = sm.try_lock_shared_for(std::chrono::milliseconds(20));
        std::printf("try_lock_shared_for while held: %d\n", l);
    });
    reader.join();
    sm.unlock();
    std::cout << "try_lock_shared_for free: "
              << sm.try_lock_shared_for(std::chrono::milliseconds(20)) << std::endl;
    sm.unlock_shared();
    std::fflush(stdout);
}

} // namespace

int main() {
    std::cout << "hello from C++ " << __cplusplus << std::endl;
    std::cout << "single_threaded at start=" << int(__libc_single_threaded) << std::endl;
    exceptions();
    containers();
    threads();
    t_probe.id = 100;
    std::cout << "main returns" << std::endl;
    return 0;
}
