// An ordinary C++ program, written as one would for Linux: iostream, strings
// and containers, exceptions, threads with a mutex and a condition variable,
// chrono sleeps and an atomic counter. Each check prints a line; the exit
// status is 0 only if every check held.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <iostream>
#include <map>
#include <mutex>
#include <queue>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;

namespace {

int g_failures = 0;

void check(bool ok, const std::string& what) {
    std::cout << (ok ? "ok     " : "FAILED ") << what << '\n';
    if (!ok)
        g_failures++;
}

void strings_and_containers() {
    std::vector<std::string> words{"unikernel", "threads", "exceptions", "c++"};
    std::sort(words.begin(), words.end());
    std::map<std::string, std::size_t> lengths;
    std::string joined;
    for (const std::string& w : words) {
        lengths[w] = w.size();
        joined += (joined.empty() ? "" : ",") + w;
    }
    check(joined == "c++,exceptions,threads,unikernel", "sorted words: " + joined);

    std::ostringstream os;
    os << "lengths";
    for (const auto& entry : lengths)
        os << ' ' << entry.first << '=' << entry.second;
    check(os.str() == "lengths c++=3 exceptions=10 threads=7 unikernel=9", os.str());
}

struct ParseError : std::runtime_error {
    ParseError(const std::string& text, std::size_t at)
        : std::runtime_error("not a digit in \"" + text + "\""), position(at) {}
    std::size_t position;
};

// Destructors must run while an exception unwinds through their frames.
struct Tally {
    explicit Tally(int& n) : count(n) {}
    ~Tally() { count++; }
    int& count;
};

int g_unwound = 0;

int parse_digit(const std::string& text, std::size_t at) {
    Tally tally(g_unwound);
    if (text[at] < '0' || text[at] > '9')
        throw ParseError(text, at);
    return text[at] - '0';
}

int parse_number(const std::string& text) {
    int value = 0;
    for (std::size_t i = 0; i < text.size(); i++)
        value = value * 10 + parse_digit(text, i);
    return value;
}

void exceptions() {
    check(parse_number("2024") == 2024, "parse_number(\"2024\") = 2024");
    g_unwound = 0;
    try {
        parse_number("12x4");
        check(false, "parse_number(\"12x4\") throws");
    } catch (const ParseError& e) {
        check(e.position == 2 && g_unwound == 3,
              std::string("caught ParseError across two functions: ") + e.what() + " at position " +
                  std::to_string(e.position));
    }

    // An exception thrown on another thread, carried back to this one.
    std::exception_ptr from_thread;
    std::thread([&] {
        try {
            throw std::out_of_range("thrown on a worker thread");
        } catch (...) {
            from_thread = std::current_exception();
        }
    }).join();
    try {
        if (from_thread)
            std::rethrow_exception(from_thread);
        check(false, "the worker thread's exception arrived");
    } catch (const std::out_of_range& e) {
        check(true, std::string("rethrown on the main thread: ") + e.what());
    }
}

// Producers hand numbers to one consumer through a queue guarded by a mutex
// and a condition variable; every producer also bumps an atomic counter.
void threads() {
    constexpr int producers = 4;
    constexpr int per_producer = 2000;
    std::mutex mutex;
    std::condition_variable ready;
    std::queue<int> queue;
    int finished = 0;
    std::atomic<long> counter{0};
    long sum = 0;

    std::thread consumer([&] {
        std::unique_lock<std::mutex> lock(mutex);
        while (true) {
            ready.wait(lock, [&] { return !queue.empty() || finished == producers; });
            if (queue.empty())
                return;
            sum += queue.front();
            queue.pop();
        }
    });
    std::vector<std::thread> workers;
    for (int p = 0; p < producers; p++)
        workers.emplace_back([&] {
            for (int i = 1; i <= per_producer; i++) {
                {
                    std::lock_guard<std::mutex> lock(mutex);
                    queue.push(i);
                }
                ready.notify_one();
                counter.fetch_add(1, std::memory_order_relaxed);
                if (i % 500 == 0)
                    std::this_thread::yield();
            }
            std::lock_guard<std::mutex> lock(mutex);
            finished++;
            ready.notify_all();
        });
    for (std::thread& t : workers)
        t.join();
    consumer.join();

    const long want_sum = long{producers} * per_producer * (per_producer + 1) / 2;
    check(counter.load() == long{producers} * per_producer,
          "atomic counter = " + std::to_string(counter.load()) + " (" + std::to_string(producers) +
              " threads x " + std::to_string(per_producer) + ")");
    check(sum == want_sum,
          "consumer sum = " + std::to_string(sum) + " (want " + std::to_string(want_sum) + ")");
}

void sleeps() {
    using clock = std::chrono::steady_clock;
    for (auto asked : {1ms, 20ms, 50ms}) {
        const auto start = clock::now();
        std::this_thread::sleep_for(asked);
        const auto slept =
            std::chrono::duration_cast<std::chrono::microseconds>(clock::now() - start);
        check(slept >= asked, "sleep_for(" + std::to_string(asked.count()) + " ms) slept " +
                                  std::to_string(slept.count()) + " us");
    }

    // A wait nobody ends must time out, and not early.
    std::mutex mutex;
    std::condition_variable never;
    std::unique_lock<std::mutex> lock(mutex);
    const auto start = clock::now();
    const bool woken = never.wait_for(lock, 30ms) == std::cv_status::no_timeout;
    const auto waited = clock::now() - start;
    check(!woken && waited >= 30ms, "condition_variable::wait_for(30 ms) timed out after " +
                                        std::to_string(waited / 1us) + " us");
}

} // namespace

int main() {
    std::cout << "Hello from C++ on libunikraft!" << std::endl;
    strings_and_containers();
    exceptions();
    threads();
    sleeps();
    if (g_failures != 0) {
        std::cout << g_failures << " check(s) failed" << std::endl;
        return 1;
    }
    std::cout << "all checks passed" << std::endl;
    return 0;
}
