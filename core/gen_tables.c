/*
 * Host tool: writes build/tables.json from the same .def X-macro files the
 * image compiles, so the Python harness never keeps a second copy.
 * Usage: gen_tables <tables-hash> > tables.json
 */
#include <stdio.h>

static void str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			putchar('\\');
		putchar(*s);
	}
	putchar('"');
}

/* Every control vmcs_fields.def names as an existence condition is a row of control_bits.def:
 * VMCS_FIELD below references each one, so a misspelt name does not compile. */
enum control_bit_name {
#define CONTROL_BIT(field, name, bit) name,
#include "control_bits.def"
#undef CONTROL_BIT
};

int main(int argc, char **argv)
{
	const char *sep;

	printf("{\n  \"schema\": 1,\n  \"hash\": ");
	str(argc > 1 ? argv[1] : "unknown");

	printf(",\n  \"vmcs_fields\": [");
	sep = "\n    ";
#define VMCS_FIELD(name, enc, ...)                                                               \
	(void)(int[]){ 0, ##__VA_ARGS__ },                                                      \
		printf("%s{\"name\": \"%s\", \"encoding\": %d, \"exists_if\": ", sep, #name, enc), \
		str(#__VA_ARGS__), printf("}"), sep = ",\n    ";
#include "vmcs_fields.def"
#undef VMCS_FIELD

	printf("\n  ],\n  \"exit_reasons\": [");
	sep = "\n    ";
#define EXIT_REASON(name, nr, len)                                                               \
	printf("%s{\"name\": \"%s\", \"number\": %d, \"len_defined\": %s}", sep, #name, nr,      \
	       len ? "true" : "false"),                                                          \
		sep = ",\n    ";
#include "exit_reasons.def"
#undef EXIT_REASON

	printf("\n  ],\n  \"vm_errors\": [");
	sep = "\n    ";
#define VMX_ERROR(name, nr, text) \
	printf("%s{\"name\": \"%s\", \"number\": %d, \"text\": ", sep, #name, nr), str(text), printf("}"), sep = ",\n    ";
#include "vm_errors.def"
#undef VMX_ERROR

	printf("\n  ],\n  \"vmx_msrs\": [");
	sep = "\n    ";
#define VMX_MSR(name, idx) printf("%s{\"name\": \"%s\", \"index\": %d}", sep, #name, idx), sep = ",\n    ";
#include "vmx_msrs.def"
#undef VMX_MSR

	printf("\n  ],\n  \"entry_check_groups\": [");
	sep = "\n    ";
#define ENTRY_CHECK_GROUP(name, area, section)                                                  \
	printf("%s{\"name\": \"%s\", \"area\": \"%s\", \"section\": ", sep, #name, #area), str(section), \
		printf("}"), sep = ",\n    ";
#include "entry_check_groups.def"
#undef ENTRY_CHECK_GROUP

	printf("\n  ],\n  \"entry_checks\": [");
	sep = "\n    ";
	{
		static const char *const group_area[] = {
#define ENTRY_CHECK_GROUP(name, area, section) #area,
#include "entry_check_groups.def"
#undef ENTRY_CHECK_GROUP
		};
		enum {
#define ENTRY_CHECK_GROUP(name, area, section) G_##name,
#include "entry_check_groups.def"
#undef ENTRY_CHECK_GROUP
		};
		int number = 0;
#define ENTRY_CHECK(name, group, qual, text, bochs)                                              \
	printf("%s{\"name\": \"%s\", \"number\": %d, \"group\": \"%s\", \"area\": \"%s\", \"qual\": %d, \"text\": ", \
	       sep, #name, ++number, #group, group_area[G_##group], qual),                         \
		str(text), printf(", \"bochs\": "), str(bochs), printf("}"), sep = ",\n    ";
#include "entry_checks.def"
#undef ENTRY_CHECK
	}

	printf("\n  ],\n  \"control_bits\": [");
	sep = "\n    ";
#define CONTROL_BIT(field, name, bit) \
	printf("%s{\"field\": \"%s\", \"name\": \"%s\", \"bit\": %d}", sep, #field, #name, bit), sep = ",\n    ";
#include "control_bits.def"
#undef CONTROL_BIT

	printf("\n  ],\n  \"info_layouts\": [");
	sep = "\n    ";
#define INFO_LAYOUT(l, undef, title) \
	printf("%s{\"kind\": \"layout\", \"layout\": \"%s\", \"undefined\": %llu, \"title\": ", sep, #l, \
	       (unsigned long long)(undef)), str(title), printf("}"), sep = ",\n    ";
#define INFO_FIELD(l, f, lo, hi) \
	printf("%s{\"kind\": \"field\", \"layout\": \"%s\", \"field\": \"%s\", \"lo\": %d, \"hi\": %d}", sep, #l, #f, lo, hi), sep = ",\n    ";
#define INFO_VALUE(l, f, n, v) \
	printf("%s{\"kind\": \"value\", \"layout\": \"%s\", \"field\": \"%s\", \"name\": \"%s\", \"value\": %d}", sep, #l, #f, #n, v), sep = ",\n    ";
#define EXIT_INFO(r, fld, l) \
	printf("%s{\"kind\": \"exit\", \"reason\": \"%s\", \"vmcs_field\": \"%s\", \"layout\": \"%s\"}", sep, #r, #fld, #l), sep = ",\n    ";
#define EXIT_INFO_WHEN(r, fld, l, ql, qf, v)                                                       \
	printf("%s{\"kind\": \"exit\", \"reason\": \"%s\", \"vmcs_field\": \"%s\", \"layout\": \"%s\", " \
	       "\"when\": {\"layout\": \"%s\", \"field\": \"%s\", \"value\": \"%s\"}}",                \
	       sep, #r, #fld, #l, #ql, #qf, #v),                                                       \
		sep = ",\n    ";
#define EXIT_INFO_KEY(fld, key) \
	printf("%s{\"kind\": \"key\", \"vmcs_field\": \"%s\", \"key\": \"%s\"}", sep, #fld, #key), sep = ",\n    ";
#define EXIT_LEN_EVENT(r, fld, type) \
	printf("%s{\"kind\": \"len_event\", \"reason\": \"%s\", \"vmcs_field\": \"%s\", \"type\": \"%s\"}", \
	       sep, #r, #fld, #type), sep = ",\n    ";
#include "exit_info.def"
#undef INFO_LAYOUT
#undef INFO_FIELD
#undef INFO_VALUE
#undef EXIT_INFO
#undef EXIT_INFO_WHEN
#undef EXIT_INFO_KEY
#undef EXIT_LEN_EVENT

	printf("\n  ],\n  \"trace_mem\": {");
	sep = "\n    ";
#define TRACE_MEM(name, value) printf("%s\"%s\": %llu", sep, #name, (unsigned long long)(value)), sep = ",\n    ";
#include "trace_mem.def"
#undef TRACE_MEM
	printf("\n  },\n  \"trace_disk\": {");
	sep = "\n    ";
#define TRACE_DISK(name, value) printf("%s\"%s\": %llu", sep, #name, (unsigned long long)(value)), sep = ",\n    ";
#include "trace_disk.def"
#undef TRACE_DISK
	printf("\n  },\n  \"boot_disk\": {");
	sep = "\n    ";
#define BOOT_DISK(name, value) printf("%s\"%s\": %llu", sep, #name, (unsigned long long)(value)), sep = ",\n    ";
#include "boot_disk.def"
#undef BOOT_DISK
	printf("\n  },\n  \"marker\": {");
	sep = "\n    ";
#define MARKER(name, value) printf("%s\"%s\": %llu", sep, #name, (unsigned long long)(value)), sep = ",\n    ";
#include "marker.def"
#undef MARKER
	printf("\n  },\n  \"trace_bin\": {");
	sep = "\n    ";
#define TRACE_BIN(name, value) printf("%s\"%s\": %llu", sep, #name, (unsigned long long)(value)), sep = ",\n    ";
#include "trace_bin.def"
#undef TRACE_BIN
	printf("\n  }\n}\n");
	return 0;
}
