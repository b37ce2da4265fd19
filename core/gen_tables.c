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

int main(int argc, char **argv)
{
	const char *sep;

	printf("{\n  \"schema\": 1,\n  \"hash\": ");
	str(argc > 1 ? argv[1] : "unknown");

	printf(",\n  \"vmcs_fields\": [");
	sep = "\n    ";
#define VMCS_FIELD(name, enc) printf("%s{\"name\": \"%s\", \"encoding\": %d}", sep, #name, enc), sep = ",\n    ";
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

	printf("\n  ],\n  \"entry_checks\": [");
	sep = "\n    ";
#define ENTRY_CHECK(name, area, qual, text)                                                      \
	printf("%s{\"name\": \"%s\", \"area\": \"%s\", \"qual\": %d, \"text\": ", sep, #name, #area, \
	       qual),                                                                            \
		str(text), printf("}"), sep = ",\n    ";
#include "entry_checks.def"
#undef ENTRY_CHECK

	printf("\n  ],\n  \"trace_mem\": {");
	sep = "\n    ";
#define TRACE_MEM(name, value) printf("%s\"%s\": %llu", sep, #name, (unsigned long long)(value)), sep = ",\n    ";
#include "trace_mem.def"
#undef TRACE_MEM
	printf("\n  }\n}\n");
	return 0;
}
