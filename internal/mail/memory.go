package mail

import (
	"context"
	"sync"
)

// MemorySender keeps sent messages in memory so tests can inspect them. It
// validates messages like the real providers. It is safe for concurrent use.
type MemorySender struct {
	from     Address
	mu       sync.Mutex
	messages []Message
}

// NewMemorySender returns an empty MemorySender that uses from for messages
// without a sender.
func NewMemorySender(from Address) *MemorySender {
	return &MemorySender{from: from}
}

// Name returns "memory".
func (s *MemorySender) Name() string { return ProviderMemory }

// Send stores a copy of m after the same preparation and checks as the
// other providers.
func (s *MemorySender) Send(_ context.Context, m *Message) error {
	if err := prepareForSend(ProviderMemory, m, s.from); err != nil {
		return err
	}
	stored := cloneMessage(m)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.messages = append(s.messages, stored)
	return nil
}

// Messages returns copies of the stored messages in the order they were sent.
func (s *MemorySender) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	copies := make([]Message, len(s.messages))
	for i := range s.messages {
		copies[i] = cloneMessage(&s.messages[i])
	}
	return copies
}

// Reset removes every stored message.
func (s *MemorySender) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.messages = nil
}
