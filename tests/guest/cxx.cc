// C++ from the host's g++/clang++ and libstdc++: exceptions thrown across
// functions and threads, iostream, containers, std::thread and the timed
// waits libstdc++ 12 inlines as pthread_*clock* calls.
//! cflags: -std=c++20
//! run: --
//! status: 0
//! expect: iostream 42 forty-two
//! expect: exception caught: depth 3
//! expect: nested rethrow ok
//! expect: thread exception ok
//! expect: threads 8000
//! expect: cv wait_for timeout ok
//! expect: timed_mutex ok
//! expect: shared_timed_mutex ok
//! expect: semaphore ok
//! expect: static init ok
//! expect: thread_local ok
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <iostream>
#include <map>
#include <mutex>
#include <semaphore>
#include <shared_mutex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;

namespace {

struct Depth : std::runtime_error {
    int depth;
    explicit Depth(int d) : std::runtime_error("depth"), depth(d) {}
};

[[gnu::noinline]] void dive(int n) {
    std::vector<std::string> locals(3, "unwind me");
    if (n == 3)
        throw Depth(n);
    dive(n + 1);
}

struct Counted {
    static inline std::atomic<int> alive{0};
    Counted() { alive++; }
    ~Counted() { alive--; }
};

Counted g_static_object;
thread_local int tl_counter = 0;

} // namespace

int main() {
    std::map<int, std::string> names{{42, "forty-two"}};
    std::ostringstream os;
    os << "iostream " << 42 << ' ' << names[42];
    std::cout << os.str() << std::endl;

    try {
        dive(0);
    } catch (const Depth& d) {
        std::cout << "exception caught: " << d.what() << ' ' << d.depth << std::endl;
    }

    try {
        try {
            throw std::logic_error("inner");
        } catch (...) {
            std::throw_with_nested(std::runtime_error("outer"));
        }
    } catch (const std::runtime_error& e) {
        try {
            std::rethrow_if_nested(e);
        } catch (const std::logic_error& inner) {
            std::cout << "nested rethrow " << (std::string(inner.what()) == "inner" ? "ok" : "bad")
                      << std::endl;
        }
    }

    std::exception_ptr from_thread;
    std::thread([&] {
        try {
            throw std::out_of_range("in thread");
        } catch (...) {
            from_thread = std::current_exception();
        }
    }).join();
    try {
        std::rethrow_exception(from_thread);
    } catch (const std::out_of_range&) {
        std::cout << "thread exception ok" << std::endl;
    }

    std::atomic<int> counter{0};
    std::vector<std::thread> ts;
    for (int i = 0; i < 8; i++)
        ts.emplace_back([&] {
            for (int k = 0; k < 1000; k++)
                counter.fetch_add(1, std::memory_order_relaxed);
        });
    for (auto& t : ts)
        t.join();
    std::cout << "threads " << counter.load() << std::endl;

    std::mutex mu;
    std::condition_variable cv;
    {
        std::unique_lock lock(mu);
        auto t0 = std::chrono::steady_clock::now();
        bool woke = cv.wait_for(lock, 30ms, [] { return false; });
        auto waited = std::chrono::steady_clock::now() - t0;
        std::cout << "cv wait_for timeout " << (!woke && waited >= 30ms ? "ok" : "bad")
                  << std::endl;
    }

    std::timed_mutex tm;
    tm.lock();
    bool got = true;
    std::thread([&] { got = tm.try_lock_for(20ms); }).join();
    tm.unlock();
    std::cout << "timed_mutex " << (!got ? "ok" : "bad") << std::endl;

    std::shared_timed_mutex stm;
    stm.lock();
    bool shared_got = true;
    std::thread([&] { shared_got = stm.try_lock_shared_for(20ms); }).join();
    stm.unlock();
    std::cout << "shared_timed_mutex " << (!shared_got ? "ok" : "bad") << std::endl;

    std::counting_semaphore<4> sem(0);
    bool acquired = sem.try_acquire_for(20ms);
    std::thread([&] { sem.release(); }).join();
    bool acquired2 = sem.try_acquire_for(1s);
    std::cout << "semaphore " << (!acquired && acquired2 ? "ok" : "bad") << std::endl;

    std::cout << "static init " << (Counted::alive == 1 ? "ok" : "bad") << std::endl;

    int seen = 0;
    std::thread([&] {
        tl_counter += 5;
        seen = tl_counter;
    }).join();
    tl_counter += 1;
    std::cout << "thread_local " << (seen == 5 && tl_counter == 1 ? "ok" : "bad") << std::endl;
    return 0;
}
