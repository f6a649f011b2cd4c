/* A stand-in guest for ukrun's end-to-end checks: a 32-bit PVH kernel that
 * echoes the command line it was given (raw and split into tokens by the
 * kernel's quoting rules), then ends the way its first app argument says.
 *
 *   exit N     report "ukexit:N" on port 0xe9, leave through isa-debug-exit
 *   panic N    report "ukpanic:N", leave the same way
 *   bare N     leave through isa-debug-exit without a report
 *   partial    write an unterminated record, then leave without a report
 *   reset      triple fault (QEMU -no-reboot turns it into a shutdown)
 *   hang       stop the CPU forever
 *   echo       read COM1 until it stays empty, echo it, exit 0 (ukrun gives
 *              COM1 no input: its stdin goes to the console device)
 *
 * It is built by tests/suites/ukrun.sh with gcc -m32 -ffreestanding, once
 * as a PVH kernel and once, with -DUKRUN_GUEST_MULTIBOOT, as Multiboot. */

typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long long u64;

/* struct hvm_start_info from Xen's public/arch-x86/hvm/start_info.h. */
struct start_info {
	u32 magic;
	u32 version;
	u32 flags;
	u32 nr_modules;
	u64 modlist_paddr;
	u64 cmdline_paddr;
	u64 rsdp_paddr;
	u64 memmap_paddr;
	u32 memmap_entries;
	u32 reserved;
};

struct memmap_entry {
	u64 addr;
	u64 size;
	u32 type;
	u32 reserved;
};

#ifdef UKRUN_GUEST_MULTIBOOT
/* The Multiboot 1 variant: QEMU finds this header (magic, flags: memory
 * info, checksum) in the first 8 KiB and enters with the info in ebx. */
__asm__(".section .multiboot, \"a\"\n"
	".balign 4\n"
	".long 0x1BADB002, 0x2, -(0x1BADB002 + 0x2)\n"
	".text\n"
	".globl _start\n"
	"_start:\n"
	"	mov $stack_top, %esp\n"
	"	push %ebx\n"
	"	call multiboot_main\n"
	"1:	cli\n"
	"	hlt\n"
	"	jmp 1b\n");
#else
__asm__(".section .note.Xen, \"a\", @note\n"
	".balign 4\n"
	".long 4, 4, 18\n"
	".asciz \"Xen\"\n"
	".balign 4\n"
	".long _start\n"
	".text\n"
	".globl _start\n"
	"_start:\n"
	"	mov $stack_top, %esp\n"
	"	push %ebx\n"
	"	call guest_main\n"
	"1:	cli\n"
	"	hlt\n"
	"	jmp 1b\n");
#endif

static u8 stack[8192] __attribute__((aligned(16), used));
__asm__(".globl stack_top\n.set stack_top, stack + 8192\n");

static inline void outb(u16 port, u8 v) { __asm__ volatile("outb %0, %1" ::"a"(v), "Nd"(port)); }
static inline u8 inb(u16 port)
{
	u8 v;
	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static void put(u16 port, const char *s)
{
	while (*s)
		outb(port, (u8)*s++);
}

static void put_uint(u16 port, u32 n)
{
	char buf[12];
	int i = 11;
	buf[i] = 0;
	do {
		buf[--i] = (char)('0' + n % 10);
		n /= 10;
	} while (n);
	put(port, buf + i);
}

static u32 parse_uint(const char *s)
{
	u32 n = 0;
	while (*s >= '0' && *s <= '9')
		n = n * 10 + (u32)(*s++ - '0');
	return n;
}

static int streq(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

static void debug_exit(u32 v)
{
	__asm__ volatile("outl %0, %1" ::"a"(v), "Nd"((u16)0xf4));
}

static void triple_fault(void)
{
	static const struct __attribute__((packed)) {
		u16 limit;
		u32 base;
	} empty_idt = {0, 0};
	__asm__ volatile("lidt %0\n\tint3" ::"m"(empty_idt));
}

#define MAX_TOKENS 64
static char token_buf[8192];
static char *tokens[MAX_TOKENS];

/* The kernel's rules: spaces and tabs separate tokens, double quotes group
 * and are removed, a backslash takes the next character literally. */
static int split(const char *s)
{
	char *out = token_buf;
	int n = 0;
	for (;;) {
		while (*s == ' ' || *s == '\t')
			s++;
		if (!*s || n == MAX_TOKENS)
			return n;
		tokens[n++] = out;
		int quoted = 0;
		while (*s && (quoted || (*s != ' ' && *s != '\t'))) {
			if (*s == '\\' && s[1]) {
				*out++ = s[1];
				s += 2;
			} else if (*s == '"') {
				quoted = !quoted;
				s++;
			} else {
				*out++ = *s++;
			}
		}
		*out++ = 0;
	}
}

static void echo_input(void)
{
	/* Bytes already queued by QEMU show up at once; a long run of empty
	 * polls means the input has ended. */
	u32 idle = 0;
	while (idle < 2000000) {
		if (inb(0x3f8 + 5) & 1) {
			outb(0x3f8, inb(0x3f8));
			idle = 0;
		} else {
			idle++;
		}
	}
}

static void run(const char *cmdline, u64 ram);

void guest_main(const struct start_info *si)
{
	u64 ram = 0;
	const struct memmap_entry *mm = (const struct memmap_entry *)(u32)si->memmap_paddr;
	for (u32 i = 0; si->version >= 1 && i < si->memmap_entries; i++)
		if (mm[i].type == 1)
			ram += mm[i].size;
	run((const char *)(u32)si->cmdline_paddr, ram);
}

/* struct multiboot_info: flags, mem_lower and mem_upper (KiB), boot_device, cmdline. */
void multiboot_main(const u32 *info)
{
	u64 ram = (info[0] & 1) ? (u64)(info[1] + info[2]) << 10 : 0;
	run((info[0] & 4) ? (const char *)info[4] : 0, ram);
}

static void run(const char *cmdline, u64 ram)
{
	if (!cmdline)
		cmdline = "";
	put(0x3f8, "cmdline=");
	put(0x3f8, cmdline);
	put(0x3f8, "\n");

	put(0x3f8, "ram_kib=");
	put_uint(0x3f8, (u32)(ram >> 10));
	put(0x3f8, "\n");

	int n = split(cmdline);
	int app = n;
	for (int i = 0; i < n; i++) {
		put(0x3f8, "tok[");
		put_uint(0x3f8, (u32)i);
		put(0x3f8, "]=<");
		put(0x3f8, tokens[i]);
		put(0x3f8, ">\n");
		if (app == n && streq(tokens[i], "--"))
			app = i + 1;
	}

	const char *cmd = app < n ? tokens[app] : "exit";
	u32 arg = app + 1 < n ? parse_uint(tokens[app + 1]) : 0;
	if (streq(cmd, "exit") || streq(cmd, "panic")) {
		put(0xe9, streq(cmd, "exit") ? "ukexit:" : "ukpanic:");
		put_uint(0xe9, arg);
		put(0xe9, "\n");
		debug_exit(arg & 0x7f);
	} else if (streq(cmd, "bare")) {
		debug_exit(arg);
	} else if (streq(cmd, "partial")) {
		put(0xe9, "ukexit:1");
		debug_exit(3);
	} else if (streq(cmd, "reset")) {
		triple_fault();
	} else if (streq(cmd, "echo")) {
		echo_input();
		put(0xe9, "ukexit:0\n");
		debug_exit(0);
	}
	/* "hang" and anything unknown: stop here until killed. */
}
