// A C++ program using libgreet from two threads.
#include <iostream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "greet.h"

int main(int argc, char* argv[]) {
    const std::string who = argc > 1 ? argv[1] : "world";
    std::string line(greet(nullptr, 0, who.c_str(), "C++ (built by CMake)"), '\0');
    greet(line.data(), line.size() + 1, who.c_str(), "C++ (built by CMake)");
    std::cout << line << '\n';

    std::mutex mutex;
    std::vector<std::string> replies;
    std::vector<std::thread> threads;
    for (int i = 0; i < 2; i++)
        threads.emplace_back([&, i] {
            std::lock_guard<std::mutex> lock(mutex);
            replies.push_back("thread " + std::to_string(i));
        });
    for (std::thread& t : threads)
        t.join();
    std::cout << replies.size() << " threads answered" << std::endl;
    return replies.size() == 2 ? 0 : 1;
}
