package api

import (
	"github.com/gofiber/fiber/v2"

	"github.com/tongban/tongban/donations"
)

// refund records a refund of (part of) a gift: a new ledger entry, never a
// deletion. Finance staff of the gift's ledger; repeating the request with
// the same Idempotency-Key returns the first refund (like allocations).
func (s *Server) refund(c *fiber.Ctx) error {
	var in donations.RefundInput
	if err := decode(c, &in); err != nil {
		return err
	}
	in.IdempotencyKey = idemKey(c)
	e, err := s.deps.Money.Donations.Refund(c.UserContext(), in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(e)
}
