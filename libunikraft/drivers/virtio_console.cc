// The virtio console (virtio 1.2, section 5.3) as the console's transport.
//
// ukrun attaches a virtio-serial device with one port, a virtserialport
// at number 1: unlike a virtconsole port, QEMU holds its output back while
// the host side cannot take more, where it would drop a console port's.
// Port 1 needs the multiport protocol: the control queues announce ports
// (PORT_ADD), the driver says it is ready (DEVICE_READY, PORT_READY) and
// opens the port (PORT_OPEN), after which the host sends input. A device
// without multiport is driven through port 0 alone.
//
// Output goes out of a few large buffers without waiting for the host
// (writers wait only when all are in flight); input lands in buffers kept
// posted on the receive queue, is decoded into the console's input queue
// (drivers/console_input.h), and a buffer goes back to the device once its
// bytes fit there, so a reader that falls behind holds the host back.
#include <uk/console.h>

#include "drivers/console.h"
#include "drivers/driver.h"
#include "drivers/virtio.h"
#include "mm/mm.h"

namespace uk::drivers {

namespace {

using namespace virtio;

constexpr uint64_t f_multiport = 1ull << 1;

// Queue numbers: port 0's receive and transmit queues, the control
// queues, then two per further port.
constexpr uint16_t q_port0_rx = 0, q_port0_tx = 1, q_ctrl_rx = 2, q_ctrl_tx = 3, q_port1_rx = 4,
                   q_port1_tx = 5;
constexpr uint32_t data_port = 1;

// Control events.
constexpr uint16_t ev_device_ready = 0, ev_port_add = 1, ev_port_ready = 3, ev_port_open = 6;

struct Control {
    uint32_t id;
    uint16_t event;
    uint16_t value;
};
static_assert(sizeof(Control) == 8, "virtio fixes the control message layout");

constexpr size_t rx_count = 16, rx_size = 4096;
constexpr size_t tx_count = 4, tx_size = 16384;
constexpr size_t ctrl_rx_count = 8, ctrl_rx_size = 256;
constexpr size_t ctrl_tx_count = 16;

struct VirtioConsole {
    Device* dev = nullptr;
    Queue* rx = nullptr;
    Queue* tx = nullptr;
    Queue* ctrl_rx = nullptr;
    Queue* ctrl_tx = nullptr;
    uint8_t* rx_buf = nullptr; // rx_count buffers of rx_size
    uint8_t* tx_buf = nullptr; // tx_count buffers of tx_size, then kernel_write's
    uint8_t* ctrl_rx_buf = nullptr;
    Control* ctrl_tx_buf = nullptr;
    bool tx_busy[tx_count] = {};
    bool ctrl_tx_busy[ctrl_tx_count] = {};
    int tx_acquired = -1;
    // Received buffers whose bytes did not fit in the input queue yet, in
    // order: their index and length.
    uint16_t held[rx_count] = {};
    uint32_t held_len[rx_count] = {};
    size_t nheld = 0;
    bool port_open = false;
};

constinit VirtioConsole g_vc{};

// Cookies are buffer numbers plus one (a cookie must not be null).
void* cookie_of(size_t i) {
    return reinterpret_cast<void*>(i + 1);
}
size_t index_of(void* cookie) {
    return reinterpret_cast<size_t>(cookie) - 1;
}

void post_rx(size_t i) {
    Seg s{dma_addr(g_vc.rx_buf + i * rx_size), uint32_t(rx_size), true};
    g_vc.rx->submit(&s, 1, cookie_of(i));
}

// Decodes held buffers, oldest first, while they fit; gives them back.
void drain_held() {
    console::InputQueue& in = console::input();
    size_t done = 0;
    bool any = false;
    while (done < g_vc.nheld && in.room_for(g_vc.held_len[done])) {
        uint16_t i = g_vc.held[done];
        in.push(g_vc.rx_buf + i * rx_size, g_vc.held_len[done]);
        post_rx(i);
        done++;
        any = true;
    }
    for (size_t k = done; k < g_vc.nheld; k++) {
        g_vc.held[k - done] = g_vc.held[k];
        g_vc.held_len[k - done] = g_vc.held_len[k];
    }
    g_vc.nheld -= done;
    if (any) {
        g_vc.rx->kick();
        console::input_arrived();
    }
}

void rx_interrupt(Queue* q, void*) {
    uint32_t len;
    while (void* cookie = q->take(&len)) {
        size_t i = index_of(cookie);
        if (i >= rx_count || g_vc.nheld == rx_count)
            continue;
        g_vc.held[g_vc.nheld] = uint16_t(i);
        g_vc.held_len[g_vc.nheld] = len > rx_size ? uint32_t(rx_size) : len;
        g_vc.nheld++;
    }
    drain_held();
}

// Takes back the buffers the host is done with.
void reclaim_tx() {
    uint32_t len;
    while (void* cookie = g_vc.tx->take(&len)) {
        size_t i = index_of(cookie);
        if (i < tx_count)
            g_vc.tx_busy[i] = false;
    }
}

bool tx_free() {
    for (bool busy : g_vc.tx_busy)
        if (!busy)
            return true;
    return false;
}

void tx_interrupt(Queue*, void*) {
    reclaim_tx();
    // Buffers may also have come back through kernel_write, which cannot
    // wake anyone: the interrupt of its own chain lands here.
    if (tx_free())
        console::output_room();
}

// Control messages to the device: from interrupt handlers too, so never
// waiting; a full pool drops the message (there are at most a few).
void send_control(uint32_t id, uint16_t event, uint16_t value) {
    for (size_t i = 0; i < ctrl_tx_count; i++) {
        if (g_vc.ctrl_tx_busy[i])
            continue;
        g_vc.ctrl_tx_busy[i] = true;
        g_vc.ctrl_tx_buf[i] = Control{id, event, value};
        Seg s{dma_addr(&g_vc.ctrl_tx_buf[i]), sizeof(Control), false};
        g_vc.ctrl_tx->submit(&s, 1, cookie_of(i));
        g_vc.ctrl_tx->kick();
        return;
    }
}

void ctrl_tx_interrupt(Queue* q, void*) {
    uint32_t len;
    while (void* cookie = q->take(&len)) {
        size_t i = index_of(cookie);
        if (i < ctrl_tx_count)
            g_vc.ctrl_tx_busy[i] = false;
    }
}

void ctrl_rx_interrupt(Queue* q, void*) {
    uint32_t len;
    while (void* cookie = q->take(&len)) {
        size_t i = index_of(cookie);
        if (i >= ctrl_rx_count)
            continue;
        uint8_t* buf = g_vc.ctrl_rx_buf + i * ctrl_rx_size;
        if (len >= sizeof(Control)) {
            Control m;
            __builtin_memcpy(&m, buf, sizeof(m));
            if (m.event == ev_port_add && m.id == data_port) {
                send_control(data_port, ev_port_ready, 1);
                // The guest side of the port is open from the start: the
                // host may send input at once.
                send_control(data_port, ev_port_open, 1);
                g_vc.port_open = true;
            } else if (m.event == ev_port_add) {
                send_control(m.id, ev_port_ready, 0); // not a port this driver uses
            }
        }
        Seg s{dma_addr(buf), uint32_t(ctrl_rx_size), true};
        q->submit(&s, 1, cookie);
    }
    q->kick();
}

uint8_t* tx_acquire(size_t* cap) {
    // Buffers the host has finished with may not have been reported yet.
    if (g_vc.tx->device_holds() < g_vc.tx->in_flight())
        g_vc.tx->poll();
    for (size_t i = 0; i < tx_count; i++) {
        if (!g_vc.tx_busy[i]) {
            g_vc.tx_busy[i] = true;
            g_vc.tx_acquired = int(i);
            *cap = tx_size;
            return g_vc.tx_buf + i * tx_size;
        }
    }
    return nullptr;
}

void tx_commit(size_t n) {
    size_t i = size_t(g_vc.tx_acquired);
    g_vc.tx_acquired = -1;
    if (!n) {
        g_vc.tx_busy[i] = false;
        return;
    }
    Seg s{dma_addr(g_vc.tx_buf + i * tx_size), uint32_t(n), false};
    g_vc.tx->submit(&s, 1, cookie_of(i));
    g_vc.tx->kick();
}

bool tx_ready() {
    if (g_vc.tx->device_holds() < g_vc.tx->in_flight())
        g_vc.tx->poll();
    return tx_free();
}

void tx_drain() {
    while (g_vc.tx->device_holds())
        asm volatile("pause");
}

void kernel_write(const char* p, size_t n) {
    uint64_t flags;
    asm volatile("pushfq; pop %0; cli" : "=r"(flags)::"memory");
    uint8_t* buf = g_vc.tx_buf + tx_count * tx_size;
    while (n) {
        tx_drain();
        reclaim_tx();
        size_t chunk = n < tx_size ? n : tx_size;
        __builtin_memcpy(buf, p, chunk);
        Seg s{dma_addr(buf), uint32_t(chunk), false};
        g_vc.tx->submit(&s, 1, cookie_of(tx_count));
        g_vc.tx->kick();
        p += chunk;
        n -= chunk;
    }
    tx_drain();
    reclaim_tx();
    if (flags & 0x200)
        asm volatile("sti" ::: "memory");
}

void rx_resume() {
    if (g_vc.nheld)
        drain_held();
}

const console::Transport g_transport{tx_acquire, tx_commit,    tx_ready,
                                     tx_drain,   kernel_write, rx_resume};

// Sets up the queues and buffers; returns false (the device failed) when
// memory or the device refuses.
bool setup(Device* d, bool multiport) {
    auto pages = [](size_t bytes) { return (bytes + mm::page_size - 1) / mm::page_size; };
    g_vc.rx_buf = static_cast<uint8_t*>(mm::alloc_pages(pages(rx_count * rx_size)));
    g_vc.tx_buf =
        static_cast<uint8_t*>(mm::alloc_pages(pages((tx_count + 1) * tx_size), 1, mm::Fill::any));
    if (!g_vc.rx_buf || !g_vc.tx_buf)
        return false;
    uint16_t rxq = multiport ? q_port1_rx : q_port0_rx;
    uint16_t txq = multiport ? q_port1_tx : q_port0_tx;
    if (d->setup_queue(rxq, 0, rx_interrupt, nullptr, &g_vc.rx) < 0 ||
        d->setup_queue(txq, 0, tx_interrupt, nullptr, &g_vc.tx) < 0)
        return false;
    if (multiport) {
        auto* page = static_cast<uint8_t*>(mm::alloc_pages(1));
        if (!page)
            return false;
        static_assert(ctrl_rx_count * ctrl_rx_size + ctrl_tx_count * sizeof(Control) <= 4096);
        g_vc.ctrl_rx_buf = page;
        g_vc.ctrl_tx_buf = reinterpret_cast<Control*>(page + ctrl_rx_count * ctrl_rx_size);
        if (d->setup_queue(q_ctrl_rx, 0, ctrl_rx_interrupt, nullptr, &g_vc.ctrl_rx) < 0 ||
            d->setup_queue(q_ctrl_tx, 0, ctrl_tx_interrupt, nullptr, &g_vc.ctrl_tx) < 0)
            return false;
        for (size_t i = 0; i < ctrl_rx_count; i++) {
            Seg s{dma_addr(g_vc.ctrl_rx_buf + i * ctrl_rx_size), uint32_t(ctrl_rx_size), true};
            g_vc.ctrl_rx->submit(&s, 1, cookie_of(i));
        }
    }
    for (size_t i = 0; i < rx_count; i++)
        post_rx(i);
    return true;
}

void probe() {
    for (Device* d = find(id_console); d; d = find(id_console, d)) {
        if (!d->claim("console"))
            continue;
        uint64_t features;
        if (d->negotiate(f_multiport, &features) < 0)
            continue;
        bool multiport = features & f_multiport;
        if (multiport && d->config<uint32_t>(4) < 2) // max_nr_ports
            multiport = false;
        g_vc.dev = d;
        if (!setup(d, multiport)) {
            uk_printk("uk: %s: cannot set up the console\n", d->name());
            d->fail();
            return;
        }
        d->ready();
        g_vc.rx->kick();
        if (multiport) {
            g_vc.ctrl_rx->kick();
            send_control(0, ev_device_ready, 1);
        }
        console::attach(&g_transport);
        return;
    }
}

} // namespace

UK_DRIVER(virtio_console, 50, "virtio-console", probe);

} // namespace uk::drivers
