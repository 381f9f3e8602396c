// The one translation unit that compiles Asio and Beast (BOOST_*_SEPARATE_COMPILATION):
// every other file includes only declarations, which keeps builds fast on 2 cores.
#include <boost/asio/impl/src.hpp>
#include <boost/asio/ssl/impl/src.hpp>
#include <boost/beast/src.hpp>
