package wire

import "strings"

// Header names used between SDKs and orchestrators.
const (
	HeaderSDK                = "X-Inngest-Sdk"
	HeaderSignature          = "X-Inngest-Signature"
	HeaderEnv                = "X-Inngest-Env"
	HeaderFramework          = "X-Inngest-Framework"
	HeaderNoRetry            = "X-Inngest-No-Retry"
	HeaderReqVersion         = "X-Inngest-Req-Version"
	HeaderRetryAfter         = "Retry-After"
	HeaderServerKind         = "X-Inngest-Server-Kind"
	HeaderExpectedServerKind = "X-Inngest-Expected-Server-Kind"
	HeaderSyncKind           = "X-Inngest-Sync-Kind"
	HeaderAuthorization      = "Authorization"
	HeaderContentType        = "Content-Type"
	HeaderUserAgent          = "User-Agent"
	HeaderForceStepPlan      = "X-Inngest-Force-Step-Plan"
)

// Values of the headers above.
const (
	// ReqVersion is the execution version this SDK answers with. Version 2
	// lets the server re-enable immediate execution once parallelism ends.
	ReqVersion = "2"

	ServerKindDev   = "dev"
	ServerKindCloud = "cloud"

	SyncKindInBand = "in_band"

	// ProbeTrust is the value of the probe query parameter of a trust
	// probe: a signed POST whose answer the SDK signs back.
	ProbeTrust = "trust"
	// CapabilityV1 is the version of each capability this SDK offers
	// (in-band sync, trust probe).
	CapabilityV1 = "v1"

	// SyncPayloadVersion is the "v" field of a sync payload.
	SyncPayloadVersion = "0.1"

	// SDKName is this SDK's name in the X-Inngest-Sdk header.
	SDKName = "durablefn/inngest"
	// SDKLanguage is the language reported in sync payloads.
	SDKLanguage = "go"
	// SDKVersion is this SDK's semantic version.
	SDKVersion = "0.1.0"
	// SDKHeader is the X-Inngest-Sdk value: name:vversion.
	SDKHeader = SDKName + ":v" + SDKVersion
)

// InvokeFnIDKey and InvokeCorrelationKey are the keys under data._inngest of
// an invocation event.
const (
	InngestDataKey       = "_inngest"
	InvokeFnIDKey        = "fn_id"
	InvokeCorrelationKey = "correlation_id"
)

// Internal event names emitted by orchestrators.
const (
	EventFunctionFailed    = "inngest/function.failed"
	EventFunctionFinished  = "inngest/function.finished"
	EventFunctionCancelled = "inngest/function.cancelled"
	EventFunctionInvoked   = "inngest/function.invoked"
	EventCron              = "inngest/scheduled.timer"
)

// IsInternalEvent reports whether an event name is reserved for the
// events orchestrators emit: it starts "inngest/", in any case. The real
// server refuses such names from senders.
func IsInternalEvent(name string) bool {
	const prefix = "inngest/"
	return len(name) >= len(prefix) && strings.EqualFold(name[:len(prefix)], prefix)
}
