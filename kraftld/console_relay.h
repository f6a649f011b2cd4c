// The guest console's host side: ukrun's standard input, framed so that
// its end reaches the app as an end of file (drivers/console_input.h), goes
// into the console's socket; what the guest writes comes out of it onto
// ukrun's standard output. A thread of its own, so that neither direction
// waits for the other.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <thread>

namespace ukrun {

/// What to do with standard input.
enum class StdinMode {
    /// Not a terminal: relay it, then mark its end.
    Stream,
    /// A terminal, left in the mode the user has it in (canonical, echoing:
    /// the terminal edits lines, ukrun relays each one): Ctrl-D marks one
    /// end of file, as it does for a program reading a terminal; reading
    /// waits while ukrun runs in the background.
    Terminal,
};

/// Frames input bytes for the guest: `escape` doubled (pure; for tests).
void frame_input(std::uint8_t const* data, std::size_t n, std::string* out);

/// "console.winsize=ROWSxCOLS" for the terminal on stdout (or stdin), or
/// nothing when neither is one.
std::optional<std::string> terminal_size_param();

class ConsoleRelay {
  public:
    ConsoleRelay() = default;
    ConsoleRelay(ConsoleRelay const&) = delete;
    ConsoleRelay& operator=(ConsoleRelay const&) = delete;
    ~ConsoleRelay();

    /// Starts relaying between `sock` (ukrun's end of the console socket,
    /// which the relay takes over) and in_fd/out_fd. Returns false with
    /// errno set when the thread cannot start.
    bool start(int sock, int in_fd, int out_fd, StdinMode mode);

    /// Once QEMU has ended (and ukrun closed QEMU's end of the socket):
    /// stops reading input, copies out what the guest wrote that is still
    /// in the socket, and waits for the thread.
    void finish();

  private:
    void run();

    std::thread m_thread;
    int m_sock{-1};
    int m_in{-1};
    int m_out{-1};
    int m_wake[2]{-1, -1};
    StdinMode m_mode{StdinMode::Stream};
};

} // namespace ukrun
