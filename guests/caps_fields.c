/*
 * caps_fields - which VMCS fields this platform's VMREAD and VMWRITE accept, against
 * what its capability MSRs advertise.
 *
 * On a fresh VMCS (vcpu_init), for every field of core/include/vmcs_fields.def: VMREAD,
 * and where it succeeded, VMWRITE of the value read.  One FIELD record each
 * (read=ok|valid|invalid|fault, read_err=, write=..., write_err=).  The image predicts
 * nothing: harness/caps.py derives, from the CAP records and the table's existence
 * column (SDM appendix "Field Encoding in VMCS": "This field exists only on processors
 * that support the 1-setting of ..."), which fields exist, and applies the VMREAD and
 * VMWRITE pseudo-code: a field that does not exist gives VMfailValid(12, "VMREAD/VMWRITE
 * from/to unsupported VMCS component"); VMWRITE to a read-only field (encoding bits
 * 11:10 = 1) gives VMfailValid(13) unless IA32_VMX_MISC bit 29 is 1.
 *
 * Then IA32_VMX_VMCS_ENUM (SDM "VMCS Enumeration": "Bits 9:1 contain the highest index
 * value used for any VMCS encoding" of "any field supported by the processor"): VMREAD
 * of the 16 width/type combinations (full access) at that index -- at least one must be
 * accepted -- and at the ENUM_ABOVE indices above it -- none may be (one FIELDENUM
 * record; the probe is bounded because Bochs logs every rejected VMREAD).
 *
 * Last, the guest runs one VMCALL: the VMCS every value was written back to still enters.
 */
#include "lib.h"
#include "scenario.h"

#define ENUM_ABOVE 16

void guest_caps_fields(void);
asm(".text\n.global guest_caps_fields\nguest_caps_fields:\n" GUEST_LABEL(caps_fields, insn) "vmcall\n"
    "jmp guest_caps_fields\n");

static const char *outcome_word(struct vmx_outcome o)
{
	return o.kind == VMX_SUCCEED ? "ok" : vmx_outcome_name(o.kind);
}

/* An encoding (SDM "Component Encoding"): width bits 14:13, type bits 11:10, index 9:1, full access. */
static u32 encoding(u32 width, u32 type, u32 index)
{
	return width << 13 | type << 10 | index << 1;
}

static u32 accepted_at(u32 index, u32 *first)
{
	u32 n = 0;
	for (u32 w = 0; w < 4; w++)
		for (u32 t = 0; t < 4; t++) {
			u64 v;
			u32 enc = encoding(w, t, index);
			if (__vmcs_read(enc, &v).kind == VMX_SUCCEED && n++ == 0)
				*first = enc;
		}
	return n;
}

static enum scenario_status body(struct scenario_ctx *ctx)
{
	for (size_t i = 0; i < vmcs_field_count; i++) {
		const struct vmcs_field_info *f = &vmcs_field_table[i];
		u64 val = 0;
		struct vmx_outcome r = __vmcs_read(f->enc, &val), w = { .kind = VMX_SUCCEED };
		bool wrote = r.kind == VMX_SUCCEED;
		if (wrote)
			w = __vmcs_write(f->enc, val);
		trace("FIELD", "name=%s enc=%#x read=%s read_err=%u write=%s write_err=%u", f->name, f->enc,
		      outcome_word(r), r.kind == VMX_FAIL_VALID ? r.error : 0, wrote ? outcome_word(w) : "none",
		      wrote && w.kind == VMX_FAIL_VALID ? w.error : 0);
	}
	u32 max = (u32)(vmx_caps.vmcs_enum >> 1) & 0x1ff, first_max = 0, first_above = 0, above = 0;
	u32 at_max = accepted_at(max, &first_max);
	for (u32 idx = max + 1; idx <= max + ENUM_ABOVE && idx <= 0x1ff; idx++) {
		u32 enc = 0;
		u32 n = accepted_at(idx, &enc);
		if (n && !above)
			first_above = enc;
		above += n;
	}
	trace("FIELDENUM", "max=%u at_max=%u first_at_max=%#x above=%u first_above=%#x probed_above=%u", max, at_max,
	      first_max, above, first_above, ENUM_ABOVE);
	return scenario_default_body(ctx);
}

SCENARIO(caps_fields, .guest = guest_caps_fields, .body = body,
	 .expect = "VMCALL at=insn len=3 end",
	 .cite = "SDM appendix \"Field Encoding in VMCS\" (notes: \"This field exists only on processors that "
		 "support the 1-setting of ...\"); \"VMREAD\", \"VMWRITE\" (Operation: unsupported VMCS component, "
		 "read-only component); \"VMCS Enumeration\"; \"Miscellaneous Data\" (IA32_VMX_MISC bit 29)");
