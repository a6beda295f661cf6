package engine

import (
	"net/url"
)

// WebhookEndpoint is a registered receiver of events of one dialect.
type WebhookEndpoint struct {
	Meta
	Dialect       string            `json:"dialect,omitempty"`
	URL           string            `json:"url"`
	EnabledEvents []string          `json:"enabled_events"`
	APIVersion    *string           `json:"api_version"`
	Description   *string           `json:"description"`
	Metadata      map[string]string `json:"metadata"`
	Status        EndpointStatus    `json:"status"`
	SecretSealed  []byte            `json:"secret_sealed,omitempty"`
	Headers       map[string]string `json:"headers,omitempty"`
	ContentType   string            `json:"content_type,omitempty"`
	Deleted       bool              `json:"deleted,omitempty"`
}

func init() { register(&WebhookEndpoint{}) }

// ObjectType implements Object.
func (*WebhookEndpoint) ObjectType() string { return "webhook_endpoint" }

// Index implements Object.
func (h *WebhookEndpoint) Index() Index { return Index{Kind: h.Dialect, Status: string(h.Status)} }

// WebhookEndpointParams creates or updates an endpoint. EventTypes validates
// EnabledEvents (nil accepts anything).
type WebhookEndpointParams struct {
	Dialect       string
	IDPrefix      string
	URL           Opt[string]
	EnabledEvents Opt[[]string]
	APIVersion    Opt[string]
	Description   Opt[string]
	Metadata      MetadataUpdate
	Disabled      Opt[bool]
	Headers       Opt[map[string]string]
	ContentType   Opt[string]
	EventTypes    map[string]bool
}

// ValidateWebhookURL checks that u is an absolute http(s) URL.
func ValidateWebhookURL(u, param string) error {
	p, err := url.Parse(u)
	if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
		return Invalid("url_invalid", param, "Invalid URL: %s. URLs must be absolute http or https URLs.", u)
	}
	return nil
}

func (p *WebhookEndpointParams) validate(creating bool) error {
	if creating && !p.URL.Set {
		return Missing("url")
	}
	if p.URL.Set {
		if err := ValidateWebhookURL(p.URL.V, "url"); err != nil {
			return err
		}
	}
	if creating && !p.EnabledEvents.Set {
		return Missing("enabled_events")
	}
	if p.EnabledEvents.Set {
		if len(p.EnabledEvents.V) == 0 {
			return Invalid("parameter_invalid_empty", "enabled_events", "You must specify at least one event type in enabled_events.")
		}
		for i, ev := range p.EnabledEvents.V {
			if ev != "*" && p.EventTypes != nil && !p.EventTypes[ev] {
				return InvalidEventType(i, ev)
			}
		}
	}
	return nil
}

// InvalidEventType is the error for enabled_events[i], typ, which names no
// event type an endpoint may subscribe to.
func InvalidEventType(i int, typ string) *Error {
	return Invalid("parameter_invalid_enum", "enabled_events["+itoa(i)+"]", "Invalid enabled_events[%d]: %q is not a valid event type.", i, typ)
}

// CreateWebhookEndpoint registers an endpoint and returns it with its secret in clear.
func (op *Op) CreateWebhookEndpoint(p WebhookEndpointParams) (*WebhookEndpoint, string, error) {
	if err := p.validate(true); err != nil {
		return nil, "", err
	}
	prefix := p.IDPrefix
	if prefix == "" {
		prefix = "we_"
	}
	secret := "whsec_" + RandomString(32)
	h := &WebhookEndpoint{Meta: Meta{ID: NewID(prefix), Created: op.Now("").Unix()}, Dialect: p.Dialect,
		Status: EndpointEnabled, SecretSealed: op.e.keys.seal(secret), Metadata: map[string]string{}}
	h.apply(p)
	if err := op.insert(h); err != nil {
		return nil, "", err
	}
	return h, secret, nil
}

func (h *WebhookEndpoint) apply(p WebhookEndpointParams) {
	if p.URL.Set {
		h.URL = p.URL.V
	}
	if p.EnabledEvents.Set {
		h.EnabledEvents = p.EnabledEvents.V
	}
	applyPtr(&h.APIVersion, p.APIVersion)
	applyPtr(&h.Description, p.Description)
	h.Metadata = p.Metadata.apply(h.Metadata)
	if p.Disabled.Set {
		h.Status = EndpointEnabled
		if p.Disabled.V {
			h.Status = EndpointDisabled
		}
	}
	if p.Headers.Set {
		h.Headers = p.Headers.V
	}
	if p.ContentType.Set {
		h.ContentType = p.ContentType.V
	}
}

// GetWebhookEndpoint returns a live endpoint of the dialect.
func (op *Op) GetWebhookEndpoint(dialect, id string) (*WebhookEndpoint, error) {
	h, err := Get[WebhookEndpoint](op, id)
	if err != nil {
		return nil, NotFoundOr(err, "id", "webhook endpoint", id)
	}
	if h.Dialect != dialect || h.Deleted {
		return nil, NotFound("id", "webhook endpoint", id)
	}
	return h, nil
}

// UpdateWebhookEndpoint changes an endpoint.
func (op *Op) UpdateWebhookEndpoint(id string, p WebhookEndpointParams) (*WebhookEndpoint, error) {
	h, err := op.GetWebhookEndpoint(p.Dialect, id)
	if err != nil {
		return nil, err
	}
	if err := p.validate(false); err != nil {
		return nil, err
	}
	h.apply(p)
	if err := op.save(h); err != nil {
		return nil, err
	}
	return h, nil
}

// DeleteWebhookEndpoint removes an endpoint; pending deliveries to it are abandoned.
func (op *Op) DeleteWebhookEndpoint(dialect, id string) (*WebhookEndpoint, error) {
	h, err := op.GetWebhookEndpoint(dialect, id)
	if err != nil {
		return nil, err
	}
	h.Deleted = true
	h.Status = EndpointDeleted
	if err := op.save(h); err != nil {
		return nil, err
	}
	return h, nil
}

// ListWebhookEndpoints lists the live endpoints of a dialect.
func (op *Op) ListWebhookEndpoints(dialect string, p ListParams) ([]*WebhookEndpoint, error) {
	p.Kind = dialect
	if p.Status == "" {
		p.Status = string(EndpointEnabled)
	}
	return List[WebhookEndpoint](op, p)
}

// WebhookSecret returns the endpoint's signing secret in clear.
func (op *Op) WebhookSecret(h *WebhookEndpoint) (string, error) {
	return op.e.keys.open(h.SecretSealed)
}

func itoa(i int) string {
	const digits = "0123456789"
	if i < 10 {
		return digits[i : i+1]
	}
	return itoa(i/10) + digits[i%10:i%10+1]
}
