// A small HTTP/1.1 client, written as one would for Linux: the host name is
// resolved with getaddrinfo (so /etc/hosts and /etc/resolv.conf are used),
// each address is tried in turn, and the body is read according to
// Content-Length, chunked encoding or the end of the connection.
//
//   fetch [-o FILE] http://HOST[:PORT]/PATH
//
// The body goes to standard output (or FILE); a summary line goes to
// standard error: "fetch: ADDRESS:PORT status CODE, N bytes". Exit status
// 0 for a 2xx answer, 1 for any other answer, 2 when the name does not
// resolve, 3 when no address accepts the connection, 4 for a malformed URL
// or answer.
#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>

namespace {

struct Failure : std::runtime_error {
    int status;
    Failure(int s, const std::string& what) : std::runtime_error(what), status(s) {}
};

// Owns a socket descriptor.
class Socket {
  public:
    explicit Socket(int fd) : m_fd(fd) {}
    Socket(Socket&& other) noexcept : m_fd(std::exchange(other.m_fd, -1)) {}
    Socket(const Socket&) = delete;
    Socket& operator=(const Socket&) = delete;
    ~Socket() {
        if (m_fd >= 0)
            close(m_fd);
    }
    int fd() const { return m_fd; }

    void write_all(const std::string& data) {
        for (size_t off = 0; off < data.size();) {
            ssize_t n = send(m_fd, data.data() + off, data.size() - off, MSG_NOSIGNAL);
            if (n < 0) {
                if (errno == EINTR)
                    continue;
                throw Failure(4, std::string("send: ") + strerror(errno));
            }
            off += n;
        }
    }

    // Reads more bytes into the buffer; false at the end of the stream.
    bool fill(std::string& buf) {
        char chunk[65536];
        for (;;) {
            ssize_t n = recv(m_fd, chunk, sizeof chunk, 0);
            if (n < 0 && errno == EINTR)
                continue;
            if (n < 0)
                throw Failure(4, std::string("recv: ") + strerror(errno));
            buf.append(chunk, n);
            return n > 0;
        }
    }

  private:
    int m_fd;
};

struct Url {
    std::string host, port = "80", path = "/";
};

Url parse_url(const std::string& text) {
    const std::string scheme = "http://";
    if (text.compare(0, scheme.size(), scheme) != 0)
        throw Failure(4, "only http:// URLs are supported: " + text);
    Url url;
    std::string rest = text.substr(scheme.size());
    if (auto slash = rest.find('/'); slash != std::string::npos) {
        url.path = rest.substr(slash);
        rest.resize(slash);
    }
    if (auto colon = rest.rfind(':');
        colon != std::string::npos && rest.find(']') == std::string::npos) {
        url.port = rest.substr(colon + 1);
        rest.resize(colon);
    } else if (rest.size() > 2 && rest.front() == '[') {
        auto close = rest.find(']');
        if (close + 1 < rest.size() && rest[close + 1] == ':')
            url.port = rest.substr(close + 2);
        rest = rest.substr(1, close - 1);
    }
    if (rest.empty() || url.port.empty())
        throw Failure(4, "no host in " + text);
    url.host = rest;
    return url;
}

std::string describe(const sockaddr* sa) {
    char host[INET6_ADDRSTRLEN] = "?";
    int port = 0;
    if (sa->sa_family == AF_INET) {
        auto* in = reinterpret_cast<const sockaddr_in*>(sa);
        inet_ntop(AF_INET, &in->sin_addr, host, sizeof host);
        port = ntohs(in->sin_port);
    } else if (sa->sa_family == AF_INET6) {
        auto* in6 = reinterpret_cast<const sockaddr_in6*>(sa);
        inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof host);
        port = ntohs(in6->sin6_port);
        return "[" + std::string(host) + "]:" + std::to_string(port);
    }
    return std::string(host) + ":" + std::to_string(port);
}

// Resolves the URL's host and connects to the first address that answers.
std::pair<Socket, std::string> connect_to(const Url& url) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* list = nullptr;
    if (int err = getaddrinfo(url.host.c_str(), url.port.c_str(), &hints, &list); err != 0)
        throw Failure(2, url.host + ": " + gai_strerror(err));
    std::string last = "no address";
    for (addrinfo* ai = list; ai; ai = ai->ai_next) {
        Socket s(socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol));
        if (s.fd() < 0) {
            last = std::string("socket: ") + strerror(errno);
            continue;
        }
        if (connect(s.fd(), ai->ai_addr, ai->ai_addrlen) == 0) {
            std::string where = describe(ai->ai_addr);
            freeaddrinfo(list);
            return {std::move(s), where};
        }
        last = describe(ai->ai_addr) + ": " + strerror(errno);
    }
    freeaddrinfo(list);
    throw Failure(3, last);
}

std::optional<std::string> header(const std::string& head, const std::string& name) {
    size_t pos = head.find("\r\n");
    while (pos != std::string::npos && pos + 2 < head.size()) {
        size_t start = pos + 2, end = head.find("\r\n", start);
        std::string line = head.substr(start, end - start);
        if (line.size() > name.size() && line[name.size()] == ':' &&
            strncasecmp(line.c_str(), name.c_str(), name.size()) == 0) {
            size_t v = line.find_first_not_of(" \t", name.size() + 1);
            return v == std::string::npos ? "" : line.substr(v);
        }
        pos = end;
    }
    return std::nullopt;
}

// Reads the body of a chunked answer that starts at buf[0].
std::string read_chunked(Socket& s, std::string& buf) {
    std::string body;
    size_t pos = 0;
    for (;;) {
        size_t eol;
        while ((eol = buf.find("\r\n", pos)) == std::string::npos)
            if (!s.fill(buf))
                throw Failure(4, "answer ends inside a chunk size");
        size_t size = std::stoul(buf.substr(pos, eol - pos), nullptr, 16);
        pos = eol + 2;
        while (buf.size() < pos + size + 2)
            if (!s.fill(buf))
                throw Failure(4, "answer ends inside a chunk");
        if (size == 0)
            return body;
        body.append(buf, pos, size);
        pos += size + 2;
    }
}

int run(int argc, char** argv) {
    std::string out_file, url_text;
    for (int i = 1; i < argc; i++) {
        std::string arg = argv[i];
        if (arg == "-o" && i + 1 < argc)
            out_file = argv[++i];
        else if (url_text.empty())
            url_text = arg;
        else
            throw Failure(4, "usage: fetch [-o FILE] http://HOST[:PORT]/PATH");
    }
    if (url_text.empty())
        throw Failure(4, "usage: fetch [-o FILE] http://HOST[:PORT]/PATH");
    Url url = parse_url(url_text);
    auto [sock, where] = connect_to(url);
    sock.write_all("GET " + url.path + " HTTP/1.1\r\nHost: " + url.host +
                   "\r\nUser-Agent: fetch\r\nConnection: close\r\n\r\n");

    std::string buf;
    size_t head_end;
    while ((head_end = buf.find("\r\n\r\n")) == std::string::npos)
        if (!sock.fill(buf))
            throw Failure(4, "the connection closed before the answer's head");
    std::string head = buf.substr(0, head_end);
    buf.erase(0, head_end + 4);
    int code = 0;
    if (std::sscanf(head.c_str(), "HTTP/1.%*d %d", &code) != 1)
        throw Failure(4, "not an HTTP answer: " + head.substr(0, head.find("\r\n")));

    std::string body;
    if (auto te = header(head, "Transfer-Encoding");
        te && te->find("chunked") != std::string::npos) {
        body = read_chunked(sock, buf);
    } else if (auto cl = header(head, "Content-Length")) {
        size_t length = std::stoull(*cl);
        while (buf.size() < length)
            if (!sock.fill(buf))
                throw Failure(4, "answer shorter than its Content-Length");
        body = buf.substr(0, length);
    } else {
        while (sock.fill(buf)) {
        }
        body = std::move(buf);
    }

    if (out_file.empty()) {
        std::cout.write(body.data(), body.size());
        std::cout.flush();
    } else {
        std::ofstream out(out_file, std::ios::binary);
        out.write(body.data(), body.size());
        if (!out.flush())
            throw Failure(4, "cannot write " + out_file);
    }
    std::cerr << "fetch: " << where << " status " << code << ", " << body.size() << " bytes\n";
    return code >= 200 && code < 300 ? 0 : 1;
}

} // namespace

int main(int argc, char** argv) {
    try {
        return run(argc, argv);
    } catch (const Failure& f) {
        std::cerr << "fetch: " << f.what() << '\n';
        return f.status;
    } catch (const std::exception& e) {
        std::cerr << "fetch: " << e.what() << '\n';
        return 4;
    }
}
