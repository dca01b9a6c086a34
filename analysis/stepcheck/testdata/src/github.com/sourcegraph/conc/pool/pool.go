// Package pool is a stub of github.com/sourcegraph/conc/pool for the
// checker's tests.
package pool

import "context"

type Pool struct{}

func New() *Pool { return &Pool{} }

func (p *Pool) Go(f func())                                  {}
func (p *Pool) Wait()                                        {}
func (p *Pool) WithErrors() *ErrorPool                       { return &ErrorPool{} }
func (p *Pool) WithContext(ctx context.Context) *ContextPool { return &ContextPool{} }

type ErrorPool struct{}

func (p *ErrorPool) Go(f func() error) {}
func (p *ErrorPool) Wait() error       { return nil }

type ContextPool struct{}

func (p *ContextPool) Go(f func(ctx context.Context) error) {}
func (p *ContextPool) Wait() error                          { return nil }

type ResultPool[T any] struct{}

func NewWithResults[T any]() *ResultPool[T] { return &ResultPool[T]{} }

func (p *ResultPool[T]) Go(f func() T) {}
func (p *ResultPool[T]) Wait() []T     { return nil }
